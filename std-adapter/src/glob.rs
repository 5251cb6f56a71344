//! Glob patterns for the mirror's include and exclude lists: `*`, `?`,
//! `[abc]`, `[a-z]`, `[!x]`; in a pattern with a `/`, `*` stays within one
//! path segment and `**` crosses them.

/// True when `pattern` matches `text` as a whole.
///
/// ```
/// use ftp_std::glob_match;
/// assert!(glob_match("*.tmp", "a.tmp"));
/// assert!(!glob_match("*.tmp", "a.tmp.gz"));
/// assert!(glob_match("logs/*/x?.[ch]", "logs/2024/x1.c"));
/// assert!(!glob_match("logs/*.c", "logs/a/b.c"));
/// assert!(glob_match("logs/**.c", "logs/a/b.c"));
/// ```
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    matches(&p, &t)
}

/// The length of a `[...]` class at the start of `p`, and whether `c`
/// is in it; `None` when the bracket is not closed (then it is literal).
fn class(p: &[char], c: char) -> Option<(usize, bool)> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((i + 1, hit != negate));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            if p[i] <= c && c <= p[i + 2] {
                hit = true;
            }
            i += 3;
        } else {
            if p[i] == c {
                hit = true;
            }
            i += 1;
        }
    }
    None
}

fn matches(p: &[char], t: &[char]) -> bool {
    // Iterative with one backtracking point per star: linear-ish, and no
    // recursion a hostile pattern could blow up.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize, bool)> = None;
    while ti < t.len() {
        let step = match p.get(pi) {
            Some('*') => {
                let double = p.get(pi + 1) == Some(&'*');
                pi += if double { 2 } else { 1 };
                star = Some((pi, ti, double));
                continue;
            }
            Some('?') if t[ti] != '/' => Some(1),
            Some('[') => match class(&p[pi..], t[ti]) {
                Some((len, true)) if t[ti] != '/' => Some(len),
                Some(_) => None,
                None if t[ti] == '[' => Some(1),
                None => None,
            },
            Some(&c) if c == t[ti] => Some(1),
            _ => None,
        };
        match step {
            Some(len) => {
                pi += len;
                ti += 1;
            }
            None => match star {
                // A single star does not cross a `/`.
                Some((sp, st, double)) if double || t[st] != '/' => {
                    star = Some((sp, st + 1, double));
                    pi = sp;
                    ti = st + 1;
                }
                _ => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob_match as m;

    #[test]
    fn patterns() {
        assert!(m("*", "anything"));
        assert!(m("*", ""));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("?", "é"));
        assert!(m("[a-c]x", "bx"));
        assert!(!m("[!a-c]x", "bx"));
        assert!(m("[!a-c]x", "dx"));
        assert!(m("[]]", "]"));
        assert!(m("[x", "[x"));
        assert!(m("*.tmp", "file name.tmp"));
        assert!(!m("*", "a/b"));
        assert!(m("**", "a/b"));
        assert!(m("a/**/z", "a/b/c/z"));
        assert!(!m("a?b", "a/b"));
        // Many stars against a long text finish quickly.
        let text = "a".repeat(10_000);
        assert!(!m("*a*a*a*a*a*a*a*a*b", &text));
    }
}
