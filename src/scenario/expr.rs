//! Expressions: parsed once at validation into a small tree, evaluated with checked i64 arithmetic.
//!
//! Evaluation never panics and never wraps: overflow and division by zero are `EvalError`s that
//! the engine turns into a run's outcome.

use std::fmt;

/// A compiled expression. Variables are slots resolved at validation (thread locals in
/// transactions, account balances in `[expect]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Const(i64),
    Var(u16),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Evaluates over `vars` (indexed by slot). Slots were resolved at validation, so an index
    /// is always in range.
    pub fn eval(&self, vars: &[i64]) -> Result<i64, EvalError> {
        Ok(match self {
            Expr::Const(v) => *v,
            Expr::Var(slot) => vars[*slot as usize],
            Expr::Neg(e) => e.eval(vars)?.checked_neg().ok_or(EvalError::Overflow)?,
            Expr::Not(e) => (e.eval(vars)? == 0) as i64,
            Expr::Binary(op, l, r) => {
                let a = l.eval(vars)?;
                // `&&` and `||` short-circuit like Rust so that `x != 0 && 10 / x > 1` is safe.
                match op {
                    BinOp::And if a == 0 => return Ok(0),
                    BinOp::Or if a != 0 => return Ok(1),
                    _ => {}
                }
                let b = r.eval(vars)?;
                match op {
                    BinOp::Add => a.checked_add(b).ok_or(EvalError::Overflow)?,
                    BinOp::Sub => a.checked_sub(b).ok_or(EvalError::Overflow)?,
                    BinOp::Mul => a.checked_mul(b).ok_or(EvalError::Overflow)?,
                    BinOp::Div | BinOp::Rem if b == 0 => return Err(EvalError::DivisionByZero),
                    BinOp::Div => a.checked_div(b).ok_or(EvalError::Overflow)?,
                    BinOp::Rem => a.checked_rem(b).ok_or(EvalError::Overflow)?,
                    BinOp::Eq => (a == b) as i64,
                    BinOp::Ne => (a != b) as i64,
                    BinOp::Lt => (a < b) as i64,
                    BinOp::Le => (a <= b) as i64,
                    BinOp::Gt => (a > b) as i64,
                    BinOp::Ge => (a >= b) as i64,
                    BinOp::And | BinOp::Or => (b != 0) as i64,
                }
            }
        })
    }

    /// Calls `f` with every variable slot the expression reads.
    pub fn for_each_var(&self, f: &mut impl FnMut(u16)) {
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
}

/// Resolves a name to its slot, or explains why it cannot (message, optional help).
pub type Resolver<'r> = dyn FnMut(&str) -> Result<u16, (String, Option<String>)> + 'r;

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
                    format!("integer `{lit}` is out of range")
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
                    return Err(ParseError {
                        at: i..i + 1,
                        message: "`=` is not an operator here".into(),
                        help: Some("use `==` to compare".into()),
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
    let mut p = Parser {
        tokens,
        pos: 0,
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

struct Parser<'r> {
    tokens: Vec<(Tok, std::ops::Range<usize>)>,
    pos: usize,
    end: usize,
    resolve: &'r mut Resolver<'r>,
}

fn out_of_range(at: std::ops::Range<usize>) -> ParseError {
    ParseError {
        at,
        message: "integer is out of the i64 range".into(),
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
            return Err(ParseError {
                at: self.end..self.end,
                message: "expression ends where a value was expected".into(),
                help: None,
            });
        };
        self.pos += 1;
        match tok {
            Tok::Int(v) => Ok(Expr::Const(i64::try_from(v).map_err(|_| out_of_range(at))?)),
            Tok::Name(name) => match (self.resolve)(&name) {
                Ok(slot) => Ok(Expr::Var(slot)),
                Err((message, help)) => Err(ParseError { at, message, help }),
            },
            Tok::Op("-") => {
                // Fold `-LITERAL` so that `-9223372036854775808` (i64::MIN) is exact.
                if let Some((Tok::Int(v), lit_at)) = self.tokens.get(self.pos).cloned() {
                    self.pos += 1;
                    let value = 0i64.checked_sub_unsigned(v).ok_or_else(|| out_of_range(lit_at))?;
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

    fn eval(text: &str, vars: &[(&str, i64)]) -> Result<i64, EvalError> {
        let names: Vec<&str> = vars.iter().map(|(n, _)| *n).collect();
        let values: Vec<i64> = vars.iter().map(|(_, v)| *v).collect();
        let e = parse(text, &mut |n| {
            names
                .iter()
                .position(|x| *x == n)
                .map(|i| i as u16)
                .ok_or((format!("unknown `{n}`"), None))
        })
        .unwrap();
        e.eval(&values)
    }

    fn parse_err(text: &str) -> ParseError {
        parse(text, &mut |n| {
            if n == "x" {
                Ok(0)
            } else {
                Err((format!("unknown local `{n}`"), None))
            }
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
        assert_eq!(
            parse_err("x +").message,
            "expression ends where a value was expected"
        );
        assert_eq!(parse_err("(x + 1").message, "unclosed parenthesis");
        assert_eq!(parse_err("x = 1").at, 2..3);
        assert_eq!(
            parse_err("1 < x < 3").message,
            "comparison operators cannot be chained"
        );
        assert_eq!(parse_err("x $ 1").at, 2..3);
        assert_eq!(
            parse_err("99999999999999999999").message,
            "integer `99999999999999999999` is out of range"
        );
        assert_eq!(
            parse_err("x 1").message,
            "unexpected token after the end of the expression"
        );
        assert_eq!(parse_err("  ").message, "empty expression");
    }
}
