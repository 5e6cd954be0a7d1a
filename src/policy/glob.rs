//! Anchored glob patterns for policy values.
//!
//! A pattern matches the whole value, never a part of it. `*` matches any run of
//! characters (including `/`, `:` and `,`: values are not paths), `?` one character,
//! `[abc]`, `[a-z]` and `[!a-z]` one character of (or not of) a set, and `\x` the
//! character `x` itself. Anything malformed (an unclosed `[`, a trailing `\`) is
//! rejected when the policy is loaded, so a typo cannot silently widen a rule.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyOne,
    AnyRun,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    source: String,
    tokens: Vec<Token>,
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Glob {
    pub fn new(pattern: &str) -> Result<Glob, String> {
        let mut tokens = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            let token = match c {
                '*' => {
                    // Runs of `*` mean the same as one; keeping one keeps matching linear.
                    if tokens.last() == Some(&Token::AnyRun) {
                        continue;
                    }
                    Token::AnyRun
                }
                '?' => Token::AnyOne,
                '\\' => match chars.next() {
                    Some(escaped) => Token::Literal(escaped),
                    None => return Err(format!("pattern {pattern:?} ends with a lone '\\'")),
                },
                '[' => {
                    let negated = chars.next_if(|&c| c == '!' || c == '^').is_some();
                    let mut ranges = Vec::new();
                    let mut first = true;
                    loop {
                        let Some(c) = chars.next() else {
                            return Err(format!("pattern {pattern:?} has an unclosed '['"));
                        };
                        if c == ']' && !first {
                            break;
                        }
                        first = false;
                        let low = if c == '\\' {
                            chars.next().ok_or_else(|| {
                                format!("pattern {pattern:?} ends with a lone '\\'")
                            })?
                        } else {
                            c
                        };
                        let mut high = low;
                        if chars.peek() == Some(&'-') {
                            let mut ahead = chars.clone();
                            ahead.next();
                            if let Some(&end) = ahead.peek()
                                && end != ']'
                            {
                                chars.next();
                                high = chars.next().unwrap_or(low);
                                if high < low {
                                    return Err(format!(
                                        "pattern {pattern:?} has a reversed range {low}-{high}"
                                    ));
                                }
                            }
                        }
                        ranges.push((low, high));
                    }
                    Token::Class { negated, ranges }
                }
                other => Token::Literal(other),
            };
            tokens.push(token);
        }
        Ok(Glob {
            source: pattern.to_string(),
            tokens,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// True when the pattern is a single `*`: it allows any value.
    pub fn matches_everything(&self) -> bool {
        self.tokens == [Token::AnyRun]
    }

    /// Matches with `{user}` in the pattern standing for the caller's name, taken
    /// literally (so a pattern can give each caller its own names: `{user}-*`).
    pub fn matches_for(&self, value: &str, user: &str) -> bool {
        if !self.source.contains("{user}") {
            return self.matches(value);
        }
        let escaped: String = user
            .chars()
            .flat_map(|c| {
                let special = "*?[]\\".contains(c);
                special
                    .then_some('\\')
                    .into_iter()
                    .chain(std::iter::once(c))
            })
            .collect();
        // A pattern that no longer compiles matches nothing (fail closed).
        Glob::new(&self.source.replace("{user}", &escaped))
            .map(|g| g.matches(value))
            .unwrap_or(false)
    }

    pub fn matches(&self, value: &str) -> bool {
        let text: Vec<char> = value.chars().collect();
        // Iterative matching with one backtrack point for the last `*`: linear in
        // practice and never exponential, whatever the pattern.
        let (mut t, mut p) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.tokens.get(p) {
                Some(Token::AnyRun) => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                Some(token) if token_matches(token, text[t]) => {
                    t += 1;
                    p += 1;
                    continue;
                }
                _ => {}
            }
            match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            }
        }
        self.tokens[p..].iter().all(|token| *token == Token::AnyRun)
    }
}

/// The patterns for a message: `a, b` or, when there are none, `none`.
pub fn listing(patterns: &[Glob], none: &str) -> String {
    if patterns.is_empty() {
        return none.to_string();
    }
    let names: Vec<&str> = patterns.iter().map(Glob::as_str).collect();
    names.join(", ")
}

fn token_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Literal(l) => *l == c,
        Token::AnyOne => true,
        Token::AnyRun => true,
        Token::Class { negated, ranges } => {
            let inside = ranges.iter().any(|&(low, high)| low <= c && c <= high);
            inside != *negated
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(pattern: &str, value: &str) -> bool {
        Glob::new(pattern).unwrap().matches(value)
    }

    #[test]
    fn anchored_at_both_ends() {
        assert!(m("bench", "bench"));
        assert!(!m("bench", "bench2"));
        assert!(!m("bench", "xbench"));
        assert!(m("bench-*", "bench-1"));
        assert!(m("bench-*", "bench-"));
        assert!(!m("bench-*", "xbench-1"));
    }

    #[test]
    fn star_crosses_separators() {
        assert!(m("docker.io/library/*", "docker.io/library/alpine:latest"));
        assert!(m("*:80", "127.0.0.1:8080:80"));
        assert!(!m("127.0.0.1:*", "0.0.0.0:80:80"));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(m("[0-9]*", "50"));
        assert!(!m("[0-9]*", "x50"));
        assert!(m("[!a-z]", "A"));
        assert!(!m("[!a-z]", "q"));
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "axb"));
        assert!(m("[]]", "]"));
        assert!(m("[a-]", "-"));
        assert!(m("?", "é"));
        assert!(!m("?", ""));
    }

    #[test]
    fn many_stars_stay_fast() {
        let pattern = "*a".repeat(50);
        let value = "a".repeat(10_000) + "b";
        assert!(!m(&pattern, &value));
    }

    #[test]
    fn malformed_patterns_are_rejected() {
        assert!(Glob::new("[abc").unwrap_err().contains("unclosed"));
        assert!(Glob::new("abc\\").unwrap_err().contains("lone"));
        assert!(Glob::new("[z-a]").unwrap_err().contains("reversed"));
    }

    #[test]
    fn user_placeholder_stands_for_the_caller_literally() {
        let g = Glob::new("{user}-*").unwrap();
        assert!(g.matches_for("agent-data", "agent"));
        assert!(!g.matches_for("other-data", "agent"));
        assert!(!g.matches_for("agent-data", "a*"));
        assert!(g.matches_for("a*-x", "a*"));
        assert!(Glob::new("*").unwrap().matches_for("x", "agent"));
    }

    #[test]
    fn star_alone_matches_everything() {
        assert!(Glob::new("*").unwrap().matches_everything());
        assert!(Glob::new("**").unwrap().matches_everything());
        assert!(!Glob::new("a*").unwrap().matches_everything());
        assert!(m("*", ""));
    }
}
