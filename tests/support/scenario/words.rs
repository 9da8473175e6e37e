//! A scenario line as words: split on white space with "double quotes" grouping, `$NAME`
//! replaced by what the scenario captured, and the `> NAME ["TEXT"]` capture at its end.

/// Splits `line` on white space; "double quotes" group words (and are dropped).
pub fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    out.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            c => {
                current.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(current);
    }
    out
}

/// What a line captures into a variable: `> NAME` takes the last line of its output,
/// `> NAME "TEXT"` the first word of the first line that contains TEXT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    /// The variable, used later as `$NAME`.
    pub name: String,
    /// The text that picks the line, if not the last one.
    pub marker: Option<String>,
}

impl Capture {
    /// Splits a trailing capture off `words`.
    pub fn split_off(mut words: Vec<String>) -> (Vec<String>, Option<Capture>) {
        let at = words.iter().rposition(|w| w == ">");
        match at {
            Some(at) if words.len() - at == 2 || words.len() - at == 3 => {
                let mut tail = words.split_off(at).into_iter().skip(1);
                let name = tail.next().unwrap_or_default();
                (words, Some(Capture { name, marker: tail.next() }))
            }
            _ => (words, None),
        }
    }

    /// The value captured from a command's `stdout`, if the output has it.
    pub fn take(&self, stdout: &str) -> Option<String> {
        match &self.marker {
            None => stdout.lines().map(str::trim).rfind(|l| !l.is_empty()).map(str::to_string),
            Some(marker) => stdout
                .lines()
                .find(|l| l.contains(marker.as_str()))
                .and_then(|l| l.split_whitespace().next())
                .map(str::to_string),
        }
    }
}

/// `word` with every `$NAME` of `vars` replaced by its value (longer names first, so
/// `$TOKEN2` is not read as `$TOKEN` and a 2).
pub fn substitute(word: &str, vars: &[(String, String)]) -> String {
    let mut by_length: Vec<&(String, String)> = vars.iter().collect();
    by_length.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    by_length.iter().fold(word.to_string(), |w, (name, value)| w.replace(&format!("${name}"), value))
}

/// `word` with each `{real+N}` / `{real-N}` (N a whole number of `s`, `m`, `h` or `d`)
/// replaced by the real clock plus or minus N, in RFC 3339 to the second: a time relative
/// to HQ's (real) clock — an effective time an hour ahead, or `@now {real+2h}` to pin the
/// registers' clock past it without waiting. Resolved when the line runs.
pub fn real_times(word: &str) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(start) = rest.find("{real") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find('}') else { break };
        let spec = &after[5..end];
        let seconds = (|| {
            let (sign, n) = match spec.split_at_checked(1)? {
                ("+", n) => (1, n),
                ("-", n) => (-1, n),
                _ => return None,
            };
            let (digits, unit) = n.split_at_checked(n.len().checked_sub(1)?)?;
            let per = match unit {
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86_400,
                _ => return None,
            };
            Some(sign * digits.parse::<i64>().ok()? * per)
        })()
        .unwrap_or_else(|| panic!("{{real{spec}}}: write {{real+N}} or {{real-N}} with N in s, m, h or d"));
        let at = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() + seconds).unwrap();
        out.push_str(&at.to_string());
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}
