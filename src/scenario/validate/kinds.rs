//! Transaction kinds, the sugar of the format: `update` and `transfer` expand to exactly the
//! steps the specification lists (so they fix step counts, and so schedules).

use std::ops::Range;

use toml::Spanned;

use super::steps::Locals;
use super::{Names, Result, Validator, suggestion};
use crate::scenario::expr::Var;
use crate::scenario::expr::{BinOp, Expr};
use crate::scenario::raw::RawTransaction;
use crate::scenario::{Code, Op};

impl Validator<'_> {
    fn required<'v, T>(
        &self,
        value: Option<&'v Spanned<T>>,
        key: &str,
        t: &RawTransaction,
    ) -> Result<&'v Spanned<T>> {
        value.ok_or_else(|| {
            let kind = t.kind.as_ref().map_or("", |k| k.get_ref().as_str());
            self.err_help(
                t.kind.as_ref().map(toml::Spanned::span).unwrap_or(t.name.span()),
                format!(
                    "transaction `{}` of kind `{kind}` needs `{key}`",
                    t.name.get_ref()
                ),
                Some(
                    match kind {
                        "transfer" => {
                            "kind \"transfer\" takes `from`, `to`, `amount` and an optional `delay`"
                        }
                        _ => "kind \"update\" takes `account`, `amount` and an optional `delay`",
                    }
                    .into(),
                ),
            )
        })
    }

    pub(super) fn expand_kind(
        &self,
        t: &RawTransaction,
        kind: &Spanned<String>,
        accounts: &Names,
        locals: &mut Locals,
    ) -> Result<Vec<(Op, u64)>> {
        let name = t.name.get_ref();
        let amount = *self.required(t.amount.as_ref(), "amount", t)?.get_ref();
        let delay = match &t.delay {
            Some(d) => self.non_negative(d, "`delay`")?,
            None => 0,
        };
        let plain = |op| (op, 0);
        let mut steps = Vec::new();
        let not_for = |key: &str, present: Option<Range<usize>>| match present {
            Some(span) => Err(self.err(
                span,
                format!("`{key}` does not apply to kind `{}`", kind.get_ref()),
            )),
            None => Ok(()),
        };
        match kind.get_ref().as_str() {
            "update" => {
                not_for("from", t.from.as_ref().map(toml::Spanned::span))?;
                not_for("to", t.to.as_ref().map(toml::Spanned::span))?;
                let account = self.resolve(self.required(t.account.as_ref(), "account", t)?, accounts)?;
                let local = locals.assign("local_copy");
                steps.push(plain(Op::Log(format!("{name} thread updating..."))));
                steps.push(plain(Op::Read { account, into: local }));
                steps.push(plain(Op::Set {
                    local,
                    value: add_const("local_copy", local, amount),
                }));
                if delay > 0 {
                    steps.push(plain(Op::Sleep(delay)));
                }
                steps.push(plain(Op::Write {
                    account,
                    value: Code::new(Expr::Var(Var::Local(local)), "local_copy"),
                }));
                steps.push(plain(Op::Log(format!("{name} thread finishing..."))));
            }
            "transfer" => {
                not_for("account", t.account.as_ref().map(toml::Spanned::span))?;
                let from = self.resolve(self.required(t.from.as_ref(), "from", t)?, accounts)?;
                let to = self.resolve(self.required(t.to.as_ref(), "to", t)?, accounts)?;
                let from_local = locals.assign("from_balance");
                let to_local = locals.assign("to_balance");
                steps.push(plain(Op::Read {
                    account: from,
                    into: from_local,
                }));
                steps.push(plain(Op::Read {
                    account: to,
                    into: to_local,
                }));
                if delay > 0 {
                    steps.push(plain(Op::Sleep(delay)));
                }
                steps.push(plain(Op::Write {
                    account: from,
                    value: sub_const("from_balance", from_local, amount),
                }));
                steps.push(plain(Op::Write {
                    account: to,
                    value: add_const("to_balance", to_local, amount),
                }));
            }
            other => {
                let kinds = ["update".to_string(), "transfer".to_string()];
                return Err(self.err_help(
                    kind.span(),
                    format!("unknown transaction kind `{other}`"),
                    suggestion(other, &kinds, "kind")
                        .or(Some("kinds are \"update\" and \"transfer\"".into())),
                ));
            }
        }
        Ok(steps)
    }
}

/// `local - amount`, as the specification writes the debit of a transfer (so that every i64
/// amount is valid, including the one whose negation overflows).
fn sub_const(local_name: &str, local: u16, amount: i64) -> Code {
    let text = if amount < 0 {
        format!("{local_name} - ({amount})")
    } else {
        format!("{local_name} - {amount}")
    };
    let expr = Expr::Binary(
        BinOp::Sub,
        Box::new(Expr::Var(Var::Local(local))),
        Box::new(Expr::Const(amount)),
    );
    Code::new(expr, text)
}

fn add_const(local_name: &str, local: u16, amount: i64) -> Code {
    let text = if amount < 0 {
        format!("{local_name} - {}", amount.unsigned_abs())
    } else {
        format!("{local_name} + {amount}")
    };
    let expr = Expr::Binary(
        BinOp::Add,
        Box::new(Expr::Var(Var::Local(local))),
        Box::new(Expr::Const(amount)),
    );
    Code::new(expr, text)
}
