//! Expressions: parsed once at validation into a small tree, evaluated with checked i64 arithmetic.
//!
//! Evaluation never panics and never wraps: overflow and division by zero are `EvalError`s that
//! the engine turns into a run's outcome. What a name means (a local, an account, `len(q)`,
//! `is_set(e)`) is resolved at validation into a [`Var`]; evaluation reads it from an [`Env`].

use std::fmt;

/// A compiled expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Const(i64),
    Var(Var),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

/// What a name in an expression reads, resolved at validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Var {
    /// A local of the thread, by slot.
    Local(u16),
    /// An account's balance, read in the step's atomic action.
    Account(u32),
    /// `len(q)`: the number of values in a queue.
    Len(u32),
    /// `is_set(e)`: 1 when the event is set, else 0.
    IsSet(u32),
}

/// The values an expression can read: a thread's locals (empty in `[expect]`) and the shared
/// state. Indices are valid by construction (validation resolved them).
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    pub locals: &'a [i64],
    pub balances: &'a [i64],
    pub queues: &'a [Vec<i64>],
    pub events: &'a [bool],
}

impl Env<'_> {
    #[inline]
    pub fn get(&self, v: Var) -> i64 {
        match v {
            Var::Local(slot) => self.locals[slot as usize],
            Var::Account(a) => self.balances[a as usize],
            Var::Len(q) => self.queues[q as usize].len() as i64,
            Var::IsSet(e) => i64::from(self.events[e as usize]),
        }
    }
}

/// An environment of balances only (no locals, queues or events), for tests and callers that
/// evaluate over balances alone.
pub fn balances_env(balances: &[i64]) -> Env<'_> {
    Env {
        locals: &[],
        balances,
        queues: &[],
        events: &[],
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// Why an evaluation failed; the run that hit it ends with status `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EvalError {
    Overflow,
    DivisionByZero,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EvalError::Overflow => "arithmetic overflow",
            EvalError::DivisionByZero => "division by zero",
        })
    }
}

impl Expr {
    /// Evaluates the tree directly: the reference that `Program` is tested against.
    pub fn eval(&self, env: &Env) -> Result<i64, EvalError> {
        Ok(match self {
            Expr::Const(v) => *v,
            Expr::Var(v) => env.get(*v),
            Expr::Neg(e) => e.eval(env)?.checked_neg().ok_or(EvalError::Overflow)?,
            Expr::Not(e) => i64::from(e.eval(env)? == 0),
            Expr::Binary(op, l, r) => {
                let a = l.eval(env)?;
                // `&&` and `||` short-circuit like Rust so that `x != 0 && 10 / x > 1` is safe.
                match op {
                    BinOp::And if a == 0 => return Ok(0),
                    BinOp::Or if a != 0 => return Ok(1),
                    _ => {}
                }
                apply(*op, a, r.eval(env)?)?
            }
        })
    }

    /// Calls `f` with every variable the expression reads.
    pub fn for_each_var(&self, f: &mut impl FnMut(Var)) {
        match self {
            Expr::Const(_) => {}
            Expr::Var(v) => f(*v),
            Expr::Neg(e) | Expr::Not(e) => e.for_each_var(f),
            Expr::Binary(_, l, r) => {
                l.for_each_var(f);
                r.for_each_var(f);
            }
        }
    }

    /// Calls `f` with the slot of every local the expression reads.
    pub fn for_each_local(&self, f: &mut impl FnMut(u16)) {
        self.for_each_var(&mut |v| {
            if let Var::Local(slot) = v {
                f(slot);
            }
        });
    }

    /// Whether the expression reads shared state (an account, a queue, an event) rather than
    /// only locals and constants.
    pub fn reads_shared(&self) -> bool {
        let mut shared = false;
        self.for_each_var(&mut |v| shared |= !matches!(v, Var::Local(_)));
        shared
    }
}

/// An expression flattened into postfix code for a small value stack: what the engine runs.
/// `&&` and `||` compile to conditional jumps, so they short-circuit exactly like `Expr::eval`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    code: Box<[Instr]>,
    /// The most values on the stack at once.
    stack: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Instr {
    Const(i64),
    Var(Var),
    Neg,
    Not,
    /// Replace the top with 1 if it is non-zero.
    Bool,
    Bin(BinOp),
    /// If the top is 0, keep it and jump; else pop it.
    AndJump(u32),
    /// If the top is non-zero, make it 1 and jump; else pop it.
    OrJump(u32),
}

/// Stack size that evaluation keeps in an array; deeper programs (rare) use a vector.
const INLINE_STACK: usize = 16;

impl Program {
    pub fn compile(expr: &Expr) -> Program {
        fn emit(e: &Expr, code: &mut Vec<Instr>, depth: &mut usize, max: &mut usize) {
            match e {
                Expr::Const(v) => push(code, Instr::Const(*v), depth, max),
                Expr::Var(v) => push(code, Instr::Var(*v), depth, max),
                Expr::Neg(inner) => {
                    emit(inner, code, depth, max);
                    code.push(Instr::Neg);
                }
                Expr::Not(inner) => {
                    emit(inner, code, depth, max);
                    code.push(Instr::Not);
                }
                Expr::Binary(op @ (BinOp::And | BinOp::Or), l, r) => {
                    emit(l, code, depth, max);
                    let jump = code.len();
                    code.push(Instr::Bool);
                    *depth -= 1;
                    emit(r, code, depth, max);
                    code.push(Instr::Bool);
                    let target = code.len() as u32;
                    code[jump] = if *op == BinOp::And {
                        Instr::AndJump(target)
                    } else {
                        Instr::OrJump(target)
                    };
                }
                Expr::Binary(op, l, r) => {
                    emit(l, code, depth, max);
                    emit(r, code, depth, max);
                    code.push(Instr::Bin(*op));
                    *depth -= 1;
                }
            }
        }
        fn push(code: &mut Vec<Instr>, i: Instr, depth: &mut usize, max: &mut usize) {
            code.push(i);
            *depth += 1;
            *max = (*max).max(*depth);
        }
        let mut code = Vec::new();
        let (mut depth, mut max) = (0, 0);
        emit(expr, &mut code, &mut depth, &mut max);
        Program {
            code: code.into_boxed_slice(),
            stack: max,
        }
    }

    /// Evaluates over `env` (whose indices validation guarantees).
    #[inline]
    pub fn eval(&self, env: &Env) -> Result<i64, EvalError> {
        match *self.code {
            [Instr::Var(v)] => Ok(env.get(v)),
            [Instr::Const(c)] => Ok(c),
            _ if self.stack <= INLINE_STACK => self.run(env, &mut [0; INLINE_STACK]),
            _ => self.run(env, &mut vec![0; self.stack]),
        }
    }

    fn run(&self, env: &Env, stack: &mut [i64]) -> Result<i64, EvalError> {
        let mut sp = 0;
        let mut pc = 0;
        while let Some(&instr) = self.code.get(pc) {
            pc += 1;
            match instr {
                Instr::Const(c) => {
                    stack[sp] = c;
                    sp += 1;
                }
                Instr::Var(v) => {
                    stack[sp] = env.get(v);
                    sp += 1;
                }
                Instr::Neg => stack[sp - 1] = stack[sp - 1].checked_neg().ok_or(EvalError::Overflow)?,
                Instr::Not => stack[sp - 1] = i64::from(stack[sp - 1] == 0),
                Instr::Bool => stack[sp - 1] = i64::from(stack[sp - 1] != 0),
                Instr::Bin(op) => {
                    sp -= 1;
                    stack[sp - 1] = apply(op, stack[sp - 1], stack[sp])?;
                }
                Instr::AndJump(target) => {
                    if stack[sp - 1] == 0 {
                        pc = target as usize;
                    } else {
                        sp -= 1;
                    }
                }
                Instr::OrJump(target) => {
                    if stack[sp - 1] != 0 {
                        stack[sp - 1] = 1;
                        pc = target as usize;
                    } else {
                        sp -= 1;
                    }
                }
            }
        }
        Ok(stack[0])
    }
}

/// A binary operator on two evaluated operands (`&&`/`||` only see their right side here).
#[inline]
fn apply(op: BinOp, a: i64, b: i64) -> Result<i64, EvalError> {
    Ok(match op {
        BinOp::Add => a.checked_add(b).ok_or(EvalError::Overflow)?,
        BinOp::Sub => a.checked_sub(b).ok_or(EvalError::Overflow)?,
        BinOp::Mul => a.checked_mul(b).ok_or(EvalError::Overflow)?,
        BinOp::Div | BinOp::Rem if b == 0 => return Err(EvalError::DivisionByZero),
        BinOp::Div => a.checked_div(b).ok_or(EvalError::Overflow)?,
        BinOp::Rem => a.checked_rem(b).ok_or(EvalError::Overflow)?,
        BinOp::Eq => i64::from(a == b),
        BinOp::Ne => i64::from(a != b),
        BinOp::Lt => i64::from(a < b),
        BinOp::Le => i64::from(a <= b),
        BinOp::Gt => i64::from(a > b),
        BinOp::Ge => i64::from(a >= b),
        BinOp::And | BinOp::Or => i64::from(b != 0),
    })
}

/// A name as an expression uses it: plain, or the argument of a call (`len(q)`, `is_set(e)`:
/// a call when the word is directly followed by `(`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name<'a> {
    Plain(&'a str),
    Call { function: &'a str, argument: &'a str },
}

/// The functions of expressions.
pub const FUNCTIONS: [&str; 2] = ["len", "is_set"];

/// Resolves a name to what it reads, or explains why it cannot (message, optional help).
pub type Resolver<'r> = dyn FnMut(Name) -> Result<Var, (String, Option<String>)> + 'r;

/// A parse error with its byte range inside the expression text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub at: std::ops::Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// Unsigned so that `-9223372036854775808` can be folded exactly.
    Int(u64),
    Name(String),
    Op(&'static str),
    LParen,
    RParen,
}

const OPERATORS: [&str; 17] = [
    "==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "!", "(", ")", "=",
];

fn tokenize(text: &str) -> Result<Vec<(Tok, std::ops::Range<usize>)>, ParseError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let lit = &text[start..i];
            let value = lit.parse::<u64>().map_err(|_| ParseError {
                at: start..i,
                message: if lit.bytes().all(|b| b.is_ascii_digit()) {
                    format!("integer `{lit}` is out of the i64 range")
                } else {
                    format!("`{lit}` is not an integer")
                },
                help: None,
            })?;
            out.push((Tok::Int(value), start..i));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Name(text[start..i].to_string()), start..i));
        } else {
            let rest = &text[i..];
            let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) else {
                let ch = rest.chars().next().unwrap_or('?');
                return Err(ParseError {
                    at: i..i + ch.len_utf8(),
                    message: format!("unexpected character `{ch}` in expression"),
                    help: Some(
                        "expressions use integers, names, + - * / %, comparisons, && || ! and parentheses"
                            .into(),
                    ),
                });
            };
            let tok = match *op {
                "(" => Tok::LParen,
                ")" => Tok::RParen,
                "=" => {
                    // `x += 50` is an assignment in most languages: say how to write it here.
                    let compound = text[..i]
                        .trim_end()
                        .chars()
                        .last()
                        .filter(|c| "+-*/%".contains(*c));
                    return Err(match compound {
                        Some(c) => ParseError {
                            at: i - 1..i + 1,
                            message: format!(
                                "`{c}=` is not an operator: an expression only computes a value"
                            ),
                            help: Some(format!(
                                "to change a local, write a step {{ set = \"x\", value = \"x {c} 50\" }}"
                            )),
                        },
                        None => ParseError {
                            at: i..i + 1,
                            message: "`=` is not an operator here".into(),
                            help: Some("use `==` to compare".into()),
                        },
                    });
                }
                other => Tok::Op(other),
            };
            out.push((tok, i..i + op.len()));
            i += op.len();
        }
    }
    Ok(out)
}

/// Parses `text`, resolving each name with `resolve` (which returns the slot or an error
/// message and optional help, e.g. a did-you-mean suggestion).
pub fn parse(text: &str, resolve: &mut Resolver) -> Result<Expr, ParseError> {
    let tokens = tokenize(text)?;
    if let Some((_, at)) = tokens.get(MAX_TOKENS) {
        return Err(ParseError {
            at: at.clone(),
            message: format!("expression is too long (more than {MAX_TOKENS} tokens)"),
            help: Some("split the computation over several `set` steps".into()),
        });
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
        end: text.len(),
        resolve,
    };
    if p.tokens.is_empty() {
        return Err(ParseError {
            at: 0..text.len(),
            message: "empty expression".into(),
            help: None,
        });
    }
    let e = p.expr(0)?;
    if let Some((_, at)) = p.tokens.get(p.pos) {
        return Err(ParseError {
            at: at.clone(),
            message: "unexpected token after the end of the expression".into(),
            help: None,
        });
    }
    Ok(e)
}

/// What a function's argument names: "queue" for `len`, "event" for `is_set`.
pub fn call_kind(function: &str) -> &'static str {
    if function == "len" { "queue" } else { "event" }
}

/// Longest expression accepted, in tokens. It bounds the depth of the tree, and so the
/// recursion of parsing, evaluating and dropping it, far below any stack's limit.
const MAX_TOKENS: usize = 1000;

/// Deepest nesting of parentheses and unary operators accepted.
const MAX_NESTING: usize = 64;

struct Parser<'r> {
    tokens: Vec<(Tok, std::ops::Range<usize>)>,
    pos: usize,
    /// Current nesting of parentheses and unary operators.
    depth: usize,
    end: usize,
    resolve: &'r mut Resolver<'r>,
}

impl Tok {
    /// The token as written (integers and names are never dangling, but show them anyway).
    fn text(&self) -> String {
        match self {
            Tok::Int(v) => v.to_string(),
            Tok::Name(n) => n.clone(),
            Tok::Op(op) => (*op).to_string(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
        }
    }
}

fn out_of_range(at: std::ops::Range<usize>, literal: &str) -> ParseError {
    ParseError {
        at,
        message: format!("integer `{literal}` is out of the i64 range"),
        help: None,
    }
}

/// Binding power of binary operators, loosest first (Rust's order).
fn binary(op: &str) -> Option<(u8, BinOp)> {
    Some(match op {
        "||" => (1, BinOp::Or),
        "&&" => (2, BinOp::And),
        "==" => (3, BinOp::Eq),
        "!=" => (3, BinOp::Ne),
        "<" => (3, BinOp::Lt),
        "<=" => (3, BinOp::Le),
        ">" => (3, BinOp::Gt),
        ">=" => (3, BinOp::Ge),
        "+" => (4, BinOp::Add),
        "-" => (4, BinOp::Sub),
        "*" => (5, BinOp::Mul),
        "/" => (5, BinOp::Div),
        "%" => (5, BinOp::Rem),
        _ => return None,
    })
}

impl Parser<'_> {
    /// `function(argument)`, the `(` next: only `len(QUEUE)` and `is_set(EVENT)` exist.
    fn call(&mut self, function: &str, at: std::ops::Range<usize>) -> Result<Expr, ParseError> {
        if !FUNCTIONS.contains(&function) {
            return Err(ParseError {
                at,
                message: format!("`{function}(...)`: there is no such function"),
                help: Some(
                    "expressions have integers, names, + - * / %, comparisons, && || ! and parentheses, and two functions: len(QUEUE) and is_set(EVENT)"
                        .into(),
                ),
            });
        }
        self.pos += 1; // the `(`
        let (argument, arg_at) = match self.tokens.get(self.pos).cloned() {
            Some((Tok::Name(n), a)) => (n, a),
            other => {
                return Err(ParseError {
                    at: other.map_or(at.clone(), |(_, a)| a),
                    message: format!("`{function}(...)` takes the name of a {}", call_kind(function)),
                    help: Some(format!("write {function}(NAME)")),
                });
            }
        };
        self.pos += 1;
        match self.tokens.get(self.pos) {
            Some((Tok::RParen, _)) => self.pos += 1,
            _ => {
                return Err(ParseError {
                    at: at.start..arg_at.end,
                    message: format!("`{function}(` takes one name and a closing parenthesis"),
                    help: Some(format!("write {function}({argument})")),
                });
            }
        }
        match (self.resolve)(Name::Call {
            function,
            argument: &argument,
        }) {
            Ok(var) => Ok(Expr::Var(var)),
            Err((message, help)) => Err(ParseError {
                at: arg_at,
                message,
                help,
            }),
        }
    }

    fn expr(&mut self, min_power: u8) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        let mut last_comparison: Option<std::ops::Range<usize>> = None;
        while let Some((Tok::Op(op), at)) = self.tokens.get(self.pos).cloned() {
            let Some((power, bin)) = binary(op) else {
                break;
            };
            if power <= min_power {
                break;
            }
            if power == 3 {
                if last_comparison.is_some() {
                    return Err(ParseError {
                        at,
                        message: "comparison operators cannot be chained".into(),
                        help: Some("use `&&`: `a < b && b < c`".into()),
                    });
                }
                last_comparison = Some(at.clone());
            }
            self.pos += 1;
            let right = self.expr(power)?;
            left = Expr::Binary(bin, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        let Some((tok, at)) = self.tokens.get(self.pos).cloned() else {
            // Point at the operator left dangling, e.g. the `+` of `x +`.
            return Err(match self.pos.checked_sub(1).and_then(|i| self.tokens.get(i)) {
                Some((tok, at)) => ParseError {
                    at: at.clone(),
                    message: format!("expected a value after `{}`", tok.text()),
                    help: Some("the expression ends here, too early".into()),
                },
                None => ParseError {
                    at: self.end..self.end,
                    message: "expression ends where a value was expected".into(),
                    help: None,
                },
            });
        };
        self.pos += 1;
        let nests = matches!(tok, Tok::LParen | Tok::Op("-" | "!"));
        if nests {
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return Err(ParseError {
                    at,
                    message: format!("expression nests too deeply (more than {MAX_NESTING} levels)"),
                    help: None,
                });
            }
        }
        let result = self.operand(tok, at);
        if nests {
            self.depth -= 1;
        }
        result
    }

    fn operand(&mut self, tok: Tok, at: std::ops::Range<usize>) -> Result<Expr, ParseError> {
        match tok {
            Tok::Int(v) => Ok(Expr::Const(
                i64::try_from(v).map_err(|_| out_of_range(at, &v.to_string()))?,
            )),
            // A call: the word directly followed by `(` (no space between).
            Tok::Name(function) if matches!(self.tokens.get(self.pos), Some((Tok::LParen, paren)) if paren.start == at.end) => {
                self.call(&function, at)
            }
            Tok::Name(name) => match (self.resolve)(Name::Plain(&name)) {
                Ok(var) => Ok(Expr::Var(var)),
                Err((message, help)) => Err(ParseError { at, message, help }),
            },
            Tok::Op("-") => {
                // Fold `-LITERAL` so that `-9223372036854775808` (i64::MIN) is exact.
                if let Some((Tok::Int(v), lit_at)) = self.tokens.get(self.pos).cloned() {
                    self.pos += 1;
                    let value = 0i64
                        .checked_sub_unsigned(v)
                        .ok_or_else(|| out_of_range(at.start..lit_at.end, &format!("-{v}")))?;
                    return Ok(Expr::Const(value));
                }
                Ok(Expr::Neg(Box::new(self.unary()?)))
            }
            Tok::Op("!") => Ok(Expr::Not(Box::new(self.unary()?))),
            Tok::LParen => {
                let e = self.expr(0)?;
                match self.tokens.get(self.pos) {
                    Some((Tok::RParen, _)) => {
                        self.pos += 1;
                        Ok(e)
                    }
                    _ => Err(ParseError {
                        at,
                        message: "unclosed parenthesis".into(),
                        help: None,
                    }),
                }
            }
            Tok::RParen | Tok::Op(_) => Err(ParseError {
                at,
                message: "expected a value (integer, name or parenthesis)".into(),
                help: None,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Locals only.
    fn env(values: &[i64]) -> Env<'_> {
        Env {
            locals: values,
            balances: &[],
            queues: &[],
            events: &[],
        }
    }

    fn eval(text: &str, vars: &[(&str, i64)]) -> Result<i64, EvalError> {
        let names: Vec<&str> = vars.iter().map(|(n, _)| *n).collect();
        let values: Vec<i64> = vars.iter().map(|(_, v)| *v).collect();
        let e = parse(text, &mut |n| match n {
            Name::Plain(n) => names
                .iter()
                .position(|x| *x == n)
                .map(|i| Var::Local(i as u16))
                .ok_or((format!("unknown `{n}`"), None)),
            Name::Call { .. } => Err(("no calls here".into(), None)),
        })
        .unwrap();
        e.eval(&env(&values))
    }

    fn parse_err(text: &str) -> ParseError {
        parse(text, &mut |n| match n {
            Name::Plain("x") => Ok(Var::Local(0)),
            Name::Plain(n) => Err((format!("unknown local `{n}`"), None)),
            Name::Call { argument, .. } => Err((format!("unknown queue `{argument}`"), None)),
        })
        .unwrap_err()
    }

    #[test]
    fn precedence_and_associativity_follow_rust() {
        assert_eq!(eval("1 + 2 * 3", &[]), Ok(7));
        assert_eq!(eval("10 - 3 - 2", &[]), Ok(5));
        assert_eq!(eval("(1 + 2) * 3", &[]), Ok(9));
        assert_eq!(eval("-7 / 2", &[]), Ok(-3));
        assert_eq!(eval("-7 % 2", &[]), Ok(-1));
        assert_eq!(eval("1 + 1 == 2 && 3 > 2", &[]), Ok(1));
        assert_eq!(eval("0 || 0 && 1", &[]), Ok(0));
        assert_eq!(eval("!0 + 1", &[]), Ok(2));
        assert_eq!(eval("x - 150", &[("x", 100)]), Ok(-50));
        assert_eq!(eval("-x", &[("x", 5)]), Ok(-5));
        assert_eq!(eval("-9223372036854775808", &[]), Ok(i64::MIN));
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(eval("x + 1", &[("x", i64::MAX)]), Err(EvalError::Overflow));
        assert_eq!(eval("x * 2", &[("x", i64::MIN)]), Err(EvalError::Overflow));
        assert_eq!(eval("-x", &[("x", i64::MIN)]), Err(EvalError::Overflow));
        assert_eq!(eval("x / -1", &[("x", i64::MIN)]), Err(EvalError::Overflow));
        assert_eq!(eval("1 / x", &[("x", 0)]), Err(EvalError::DivisionByZero));
        assert_eq!(eval("1 % x", &[("x", 0)]), Err(EvalError::DivisionByZero));
    }

    /// The compiled program agrees with the tree, value and error, on many expressions.
    #[test]
    fn programs_agree_with_the_tree() {
        let texts = [
            "x",
            "7",
            "x + y * 2 - 3",
            "-(x - y) % 4",
            "!x || y && x / y > 1",
            "x != 0 && 10 / x > 1",
            "(x || y) + (x && y)",
            "x * x * x * x",
            "!(x < y) == (x >= y)",
            "((x + 1) * (y - 1)) / (x - y)",
            "x == 1 || x == 2 || x == 3 || y == 0",
            "-x",
            "x / y",
            "x % y",
        ];
        let values = [i64::MIN, -3, -1, 0, 1, 2, 3, 1 << 40, i64::MAX];
        for text in texts {
            let e = parse(text, &mut |n| match n {
                Name::Plain("x") => Ok(Var::Local(0)),
                Name::Plain("y") => Ok(Var::Local(1)),
                _ => Err(("unknown".into(), None)),
            })
            .unwrap();
            let p = Program::compile(&e);
            for x in values {
                for y in values {
                    let vars = [x, y];
                    assert_eq!(
                        p.eval(&env(&vars)),
                        e.eval(&env(&vars)),
                        "{text} with x={x}, y={y}"
                    );
                }
            }
        }
    }

    #[test]
    fn logical_operators_short_circuit() {
        assert_eq!(eval("x != 0 && 10 / x > 1", &[("x", 0)]), Ok(0));
        assert_eq!(eval("x == 0 || 10 / x > 1", &[("x", 0)]), Ok(1));
        assert_eq!(eval("2 && 3", &[]), Ok(1));
    }

    #[test]
    fn errors_point_into_the_text() {
        let e = parse_err("x + y");
        assert_eq!((e.at, e.message.as_str()), (4..5, "unknown local `y`"));
        let e = parse_err("x +");
        assert_eq!((e.at, e.message.as_str()), (2..3, "expected a value after `+`"));
        assert_eq!(parse_err("(").message, "expected a value after `(`");
        let deep = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(parse_err(&deep).message.starts_with("expression is too long"));
        let deep = format!("{}x{}", "(".repeat(400), ")".repeat(400));
        assert!(
            parse_err(&deep)
                .message
                .starts_with("expression nests too deeply")
        );
        let long = vec!["x"; 100_000].join("+");
        assert!(parse_err(&long).message.starts_with("expression is too long"));
        assert!(parse(&vec!["x"; 400].join("+"), &mut |_| Ok(Var::Local(0))).is_ok());
        assert_eq!(parse_err("(x + 1").message, "unclosed parenthesis");
        assert_eq!(parse_err("x = 1").at, 2..3);
        assert_eq!(
            parse_err("1 < x < 3").message,
            "comparison operators cannot be chained"
        );
        assert_eq!(parse_err("x $ 1").at, 2..3);
        assert_eq!(
            parse_err("99999999999999999999").message,
            "integer `99999999999999999999` is out of the i64 range"
        );
        assert_eq!(
            parse_err("x 1").message,
            "unexpected token after the end of the expression"
        );
        assert_eq!(parse_err("  ").message, "empty expression");
        // Calls: only len and is_set, directly followed by `(`.
        assert_eq!(
            parse_err("max(x)").message,
            "`max(...)`: there is no such function"
        );
        assert_eq!(parse_err("len(q)").message, "unknown queue `q`");
        assert_eq!(parse_err("len(q)").at, 4..5);
        assert_eq!(
            parse_err("len(q").message,
            "`len(` takes one name and a closing parenthesis"
        );
        assert_eq!(
            parse_err("len(1)").message,
            "`len(...)` takes the name of a queue"
        );
        // With a space, `len` is a plain name (a local may be called len).
        assert_eq!(parse_err("len (x)").message, "unknown local `len`");
    }

    #[test]
    fn calls_read_queues_and_events() {
        let e = parse("len(q) + is_set(e) * 10", &mut |n| match n {
            Name::Call {
                function: "len",
                argument: "q",
            } => Ok(Var::Len(0)),
            Name::Call {
                function: "is_set",
                argument: "e",
            } => Ok(Var::IsSet(0)),
            _ => Err(("unknown".into(), None)),
        })
        .unwrap();
        let queues = [vec![3, 7]];
        let env = Env {
            locals: &[],
            balances: &[],
            queues: &queues,
            events: &[true],
        };
        assert_eq!(e.eval(&env), Ok(12));
        assert_eq!(Program::compile(&e).eval(&env), Ok(12));
    }
}
