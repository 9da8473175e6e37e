//! Telling a barcode scanner from a person in one keyboard stream. A "keyboard wedge"
//! scanner types its code as keystrokes, much faster than anyone types, usually ended by
//! Enter (and sometimes started with a configured prefix). The screen feeds every key with
//! its time; what comes out is either typing (passed on as it was) or a whole scan.

/// How scans look on this register's scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WedgeConfig {
    /// The longest gap between two keys of one scan, in milliseconds (scanners: 1–20 ms;
    /// people: rarely under 50).
    pub max_gap_ms: u64,
    /// The fewest characters a scan has (shorter bursts are typing).
    pub min_length: usize,
    /// Characters the scanner sends before a code (configured on the scanner), if any.
    pub prefix: String,
    /// The key that ends a scan (Enter: `'\n'`; Tab for some setups).
    pub suffix: char,
}

impl Default for WedgeConfig {
    fn default() -> Self {
        WedgeConfig { max_gap_ms: 35, min_length: 4, prefix: String::new(), suffix: '\n' }
    }
}

/// What the stream turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WedgeEvent {
    /// Keys a person typed, to pass on to whatever has focus.
    Typed(String),
    /// A whole code from the scanner (without prefix and suffix).
    Scanned(String),
}

/// The detector: feed it every key with its time, and a tick when no key came for a while.
#[derive(Debug, Clone)]
pub struct WedgeDetector {
    config: WedgeConfig,
    buffer: String,
    last_ms: Option<u64>,
}

impl WedgeDetector {
    /// A detector for `config`.
    pub fn new(config: WedgeConfig) -> WedgeDetector {
        WedgeDetector { config, buffer: String::new(), last_ms: None }
    }

    /// One key at `at_ms` (a monotonic clock). Returns what is settled by it.
    pub fn key(&mut self, key: char, at_ms: u64) -> Vec<WedgeEvent> {
        let mut out = Vec::new();
        let gap_too_long = self.last_ms.is_some_and(|last| at_ms.saturating_sub(last) > self.config.max_gap_ms);
        if gap_too_long {
            out.extend(self.flush_as_typing());
        }
        self.last_ms = Some(at_ms);
        if key == self.config.suffix {
            let code = self.buffer.strip_prefix(self.config.prefix.as_str()).unwrap_or(&self.buffer).to_string();
            let prefixed = self.config.prefix.is_empty() || self.buffer.starts_with(self.config.prefix.as_str());
            if prefixed && code.chars().count() >= self.config.min_length && !gap_too_long {
                self.buffer.clear();
                out.push(WedgeEvent::Scanned(code));
            } else {
                let mut typed = std::mem::take(&mut self.buffer);
                typed.push(key);
                out.push(WedgeEvent::Typed(typed));
            }
            return out;
        }
        self.buffer.push(key);
        out
    }

    /// Time passing with no key (call it every few tens of milliseconds): a burst that
    /// stopped without its suffix was typing.
    pub fn tick(&mut self, now_ms: u64) -> Vec<WedgeEvent> {
        match self.last_ms {
            Some(last) if now_ms.saturating_sub(last) > self.config.max_gap_ms => self.flush_as_typing(),
            _ => Vec::new(),
        }
    }

    fn flush_as_typing(&mut self) -> Vec<WedgeEvent> {
        if self.buffer.is_empty() {
            return Vec::new();
        }
        vec![WedgeEvent::Typed(std::mem::take(&mut self.buffer))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(d: &mut WedgeDetector, keys: &str, start: u64, gap: u64) -> Vec<WedgeEvent> {
        keys.chars().enumerate().flat_map(|(i, k)| d.key(k, start + i as u64 * gap)).collect()
    }

    #[test]
    fn a_fast_burst_ended_by_enter_is_a_scan() {
        let mut d = WedgeDetector::new(WedgeConfig::default());
        assert_eq!(feed(&mut d, "8712345000011\n", 0, 8), vec![WedgeEvent::Scanned("8712345000011".into())]);
    }

    #[test]
    fn slow_keys_are_typing_even_with_enter() {
        let mut d = WedgeDetector::new(WedgeConfig::default());
        let events = feed(&mut d, "1234\n", 0, 120);
        let typed: String = events.iter().map(|e| if let WedgeEvent::Typed(t) = e { t.as_str() } else { "" }).collect();
        assert_eq!(typed, "1234\n");
        assert!(events.iter().all(|e| matches!(e, WedgeEvent::Typed(_))));
    }

    #[test]
    fn typing_then_a_scan_then_typing() {
        let mut d = WedgeDetector::new(WedgeConfig::default());
        let mut events = feed(&mut d, "ab", 0, 150);
        events.extend(feed(&mut d, "95012346\n", 1000, 5));
        events.extend(d.tick(1100));
        events.extend(feed(&mut d, "x", 2000, 0));
        events.extend(d.tick(3000));
        assert_eq!(
            events,
            vec![
                WedgeEvent::Typed("a".into()),
                WedgeEvent::Typed("b".into()),
                WedgeEvent::Scanned("95012346".into()),
                WedgeEvent::Typed("x".into())
            ]
        );
    }

    #[test]
    fn prefix_and_minimum_length() {
        let config = WedgeConfig { prefix: "~".into(), min_length: 6, ..WedgeConfig::default() };
        let mut d = WedgeDetector::new(config.clone());
        assert_eq!(feed(&mut d, "~95012346\n", 0, 3), vec![WedgeEvent::Scanned("95012346".into())]);
        let mut d = WedgeDetector::new(config.clone());
        assert!(matches!(feed(&mut d, "95012346\n", 0, 3).as_slice(), [WedgeEvent::Typed(_)]), "no prefix: typing");
        let mut d = WedgeDetector::new(config);
        assert!(matches!(feed(&mut d, "~123\n", 0, 3).as_slice(), [WedgeEvent::Typed(_)]), "too short");
    }

    #[test]
    fn a_burst_without_its_suffix_is_typing_once_time_passes() {
        let mut d = WedgeDetector::new(WedgeConfig::default());
        assert!(feed(&mut d, "abcdef", 0, 5).is_empty());
        assert_eq!(d.tick(10), vec![]);
        assert_eq!(d.tick(100), vec![WedgeEvent::Typed("abcdef".into())]);
    }
}
