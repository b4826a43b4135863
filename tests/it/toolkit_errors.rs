//! Bad input in the version-2 parts of a file: each mistake with the objects and steps of the
//! threading toolkit exits 2 with `FILE:LINE:COL: MESSAGE` (and a did-you-mean or a hint where
//! one helps), through both `check` and `run`, as `errors.rs` does for version 1.

use crate::errors::{expect_error, expect_error_help};

#[test]
fn unknown_objects_with_did_you_mean() {
    expect_error_help(
        "semaphores = [{ name = \"tellers\", value = 2 }]\n[[transactions]]\nname = \"t\"\nsteps = [{ acquire = \"teller\" }]\n",
        "4:22: unknown semaphore `teller`",
        "did you mean `tellers`?",
    );
    expect_error_help(
        "locks = [\"m\"]\nconditions = [{ name = \"not_empty\", lock = \"m\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ notify = \"not_empy\" }]\n",
        "5:21: unknown condition `not_empy`",
        "did you mean `not_empty`?",
    );
    expect_error_help(
        "events = [\"bank_open\"]\n[[transactions]]\nname = \"t\"\nsteps = [{ wait = \"bank_opne\" }]\n",
        "4:19: unknown event, condition or barrier `bank_opne`",
        "did you mean `bank_open`?",
    );
    expect_error_help(
        "[[transactions]]\nname = \"t\"\nsteps = [{ get = \"jobs\", into = \"x\" }]\n",
        "3:18: unknown queue `jobs`",
        "declare it at the top level, before any table: queues = [{ name = \"jobs\" }]",
    );
}

#[test]
fn an_object_of_the_wrong_kind() {
    expect_error_help(
        "locks = [\"m\"]\n[[transactions]]\nname = \"t\"\nsteps = [{ acquire = \"m\" }]\n",
        "4:22: `m` is a lock; `acquire` takes a semaphore",
        "a lock takes lock, unlock and try_lock",
    );
    expect_error(
        "semaphores = [{ name = \"s\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ wait = \"s\" }]\n",
        "4:19: `s` is a semaphore; `wait` takes an event, condition or barrier",
    );
    expect_error(
        "semaphores = [{ name = \"s\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ lock = \"s\" }]\n",
        "4:19: `s` is a semaphore; `lock` takes a lock",
    );
    expect_error(
        "events = [\"e\"]\n[[transactions]]\nname = \"t\"\nsteps = [{ notify = \"e\" }]\n",
        "4:21: `e` is an event; `notify` takes a condition",
    );
    expect_error(
        "accounts = [{ name = \"a\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ put = \"a\", value = \"1\" }]\n",
        "4:18: `a` is an account; `put` takes a queue",
    );
}

#[test]
fn a_condition_needs_a_declared_plain_lock() {
    expect_error(
        "rlocks = [\"r\"]\nconditions = [{ name = \"c\", lock = \"r\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ log = \"x\" }]\n",
        "2:36: `r` is an rlock; a condition's lock must be a plain lock",
    );
    expect_error_help(
        "locks = [\"m\"]\nconditions = [{ name = \"c\", lock = \"n\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ log = \"x\" }]\n",
        "2:36: unknown lock `n`",
        "a condition's lock must be declared in `locks`: locks = [\"n\"]",
    );
}

#[test]
fn object_values_out_of_range() {
    expect_error(
        "barriers = [{ name = \"b\", parties = 0 }]\n[[transactions]]\nname = \"t\"\nsteps = [{ wait = \"b\" }]\n",
        "1:37: a barrier's `parties` must be at least 1",
    );
    expect_error(
        "semaphores = [{ name = \"s\", value = -1 }]\n[[transactions]]\nname = \"t\"\nsteps = [{ acquire = \"s\" }]\n",
        "1:37: a semaphore's `value` must not be negative",
    );
    expect_error(
        "queues = [{ name = \"q\", capacity = -3 }]\n[[transactions]]\nname = \"t\"\nsteps = [{ put = \"q\", value = \"1\" }]\n",
        "1:36: a queue's `capacity` must not be negative",
    );
}

#[test]
fn names_shared_between_object_kinds_or_with_an_account() {
    expect_error(
        "locks = [\"gate\"]\nevents = [\"gate\"]\n[[transactions]]\nname = \"t\"\nsteps = [{ log = \"x\" }]\n",
        "2:11: `gate` is already a lock; the names of locks, rlocks, semaphores, events, conditions, barriers and queues are unique across all of them",
    );
    expect_error(
        "queues = [{ name = \"box\" }]\n[[accounts]]\nname = \"box\"\n[[transactions]]\nname = \"t\"\nsteps = [{ log = \"x\" }]\n",
        "1:20: `box` is already an account; a queue needs a name of its own",
    );
}

#[test]
fn join_of_oneself_or_of_an_unknown_transaction() {
    expect_error(
        "[[transactions]]\nname = \"t\"\nsteps = [{ join = \"t\" }]\n",
        "3:19: transaction `t` cannot join itself",
    );
    expect_error_help(
        "[[transactions]]\nname = \"deposit\"\nsteps = [{ log = \"x\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ join = \"deposti\" }]\n",
        "6:19: unknown transaction `deposti`",
        "did you mean `deposit`?",
    );
}

#[test]
fn len_and_is_set_of_the_wrong_kind() {
    expect_error(
        "accounts = [{ name = \"a\" }]\nqueues = [{ name = \"q\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ await = \"len(a) > 0\" }]\n",
        "5:25: `len` takes a queue, and `a` is an account",
    );
    expect_error(
        "events = [\"e\"]\nqueues = [{ name = \"q\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ await = \"is_set(q)\" }]\n",
        "5:28: `is_set` takes an event, and `q` is a queue",
    );
}

#[test]
fn a_local_read_before_it_is_assigned_on_some_path() {
    expect_error(
        "accounts = [{ name = \"a\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ if = \"a > 0\", then = [{ set = \"x\", value = \"1\" }] }, { write = \"a\", value = \"x\" }]\n",
        "4:89: local `x` may be used before it is assigned: some path to this step assigns it, another does not",
    );
    // Zero passes through a `while` assign nothing.
    expect_error(
        "accounts = [{ name = \"a\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ while = \"a > 0\", steps = [{ read = \"a\", into = \"y\" }] }, { write = \"a\", value = \"y\" }]\n",
        "4:93: local `y` may be used before it is assigned: some path to this step assigns it, another does not",
    );
}

#[test]
fn steps_missing_the_keys_they_need() {
    expect_error(
        "queues = [{ name = \"q\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ get = \"q\" }]\n",
        "4:10: `get` needs `into = \"LOCAL\"`",
    );
    expect_error(
        "accounts = [{ name = \"a\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ cas = \"a\", value = \"1\", into = \"ok\" }]\n",
        "4:10: `cas` needs `expect = \"EXPR\"`",
    );
    expect_error(
        "accounts = [{ name = \"a\" }]\n[[transactions]]\nname = \"t\"\nsteps = [{ if = \"a > 0\" }]\n",
        "4:10: `if` needs `then = [STEPS]`",
    );
}
