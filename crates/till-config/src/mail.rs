//! `[mail]` in the store configuration: the SMTP server customer mail goes through (the
//! "ready for pickup" notice), the sender, and the credentials if the server wants them.
//! Optional: a register without it simply sends no mail.

use serde::Deserialize;
use toml::Spanned;

use super::devices::FieldError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MailSection {
    smtp: Spanned<String>,
    from: Spanned<String>,
    username: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    store_name: Option<Spanned<String>>,
    store_address: Option<String>,
    max_attempts: Option<Spanned<u32>>,
    give_up_after_hours: Option<Spanned<u32>>,
}

/// The default of `mail.max_attempts`.
pub const MAIL_MAX_ATTEMPTS: u32 = 10;

/// The default of `mail.give_up_after_hours`.
pub const MAIL_GIVE_UP_AFTER_HOURS: u32 = 48;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: none (a relay on the store's LAN).
    Plain,
    /// `smtps://`: TLS from the first byte (implicit TLS, port 465 by default).
    Tls,
    /// `smtp+starttls://`: plain, then upgraded with STARTTLS, which is required (587).
    StartTls,
}

/// The mail settings (`[mail]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// The server's URL as configured.
    pub url: String,
    /// How the connection is protected.
    pub security: SmtpSecurity,
    /// The server's host name or address.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The sender, as a mailbox (`Harbour & Co <shop@example.com>`).
    pub from: String,
    /// The user name to authenticate as, if the server wants one.
    pub username: Option<String>,
    /// The file holding the password (relative to the data directory), read when sending.
    pub password_file: Option<String>,
    /// The store's name in messages: `store_name`, else the sender's display name, else
    /// the store code.
    pub store_name: String,
    /// The store's address in messages, if configured.
    pub store_address: Option<String>,
    /// A message not sent after this many attempts is failed (`max_attempts`).
    pub max_attempts: u32,
    /// A message not sent this long after it was queued is failed at its next attempt
    /// (`give_up_after_hours`), in seconds.
    pub give_up_after_seconds: i64,
}

/// Splits `smtp://HOST[:PORT]` (or smtps, smtp+starttls) into its parts.
fn parse_url(url: &str) -> Result<(SmtpSecurity, String, u16), String> {
    let expected = "expected smtp://HOST[:PORT], smtps://HOST[:PORT] or smtp+starttls://HOST[:PORT]";
    let (scheme, rest) = url.split_once("://").ok_or_else(|| format!("'{url}': {expected}"))?;
    let (security, default_port) = match scheme.to_ascii_lowercase().as_str() {
        "smtp" => (SmtpSecurity::Plain, 25),
        "smtps" => (SmtpSecurity::Tls, 465),
        "smtp+starttls" => (SmtpSecurity::StartTls, 587),
        _ => return Err(format!("'{url}': unknown scheme '{scheme}' ({expected})")),
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('@') {
        return Err(format!("'{url}' must not carry credentials: set username and password_file"));
    }
    if rest.contains(['/', '?', '#']) {
        return Err(format!("'{url}': no path or query is used ({expected})"));
    }
    let (host, port) = match rest.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']').ok_or_else(|| format!("'{url}': unclosed '[' in the address"))?;
            (host, after.strip_prefix(':'))
        }
        None => match rest.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        },
    };
    let host_ok =
        !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
    if !host_ok {
        return Err(format!("'{url}': '{host}' is not a host name or address ({expected})"));
    }
    let port = match port {
        None => default_port,
        Some(p) => {
            p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| format!("'{url}': port '{p}' is not 1-65535"))?
        }
    };
    Ok((security, host.to_string(), port))
}

pub(super) fn mail(m: &MailSection, store: &str) -> Result<MailConfig, FieldError> {
    let url = m.smtp.get_ref().trim().to_string();
    let (security, host, port) = parse_url(&url).map_err(|e| (m.smtp.span(), format!("mail.smtp: {e}")))?;
    let from_text = m.from.get_ref().trim();
    let from: lettre::message::Mailbox = from_text.parse().map_err(|e| {
        (
            m.from.span(),
            format!("mail.from: '{from_text}' is not a mailbox such as \"Harbour & Co <shop@example.com>\" ({e})"),
        )
    })?;
    let text = |s: &Option<Spanned<String>>| s.as_ref().map(|s| s.get_ref().trim().to_string());
    let (username, password_file) = (text(&m.username), text(&m.password_file));
    match (&m.username, &m.password_file) {
        (Some(u), None) => return Err((u.span(), "mail.username: set password_file too".into())),
        (None, Some(p)) => return Err((p.span(), "mail.password_file: set username too".into())),
        (Some(u), Some(_)) if security == SmtpSecurity::Plain => {
            return Err((
                u.span(),
                "mail.username: over smtp:// the password would cross the network in the clear; \
                 use smtps:// or smtp+starttls://"
                    .into(),
            ));
        }
        (Some(u), Some(p)) => {
            if username.as_deref().is_some_and(str::is_empty) {
                return Err((u.span(), "mail.username: must not be empty".into()));
            }
            if password_file.as_deref().is_some_and(str::is_empty) {
                return Err((p.span(), "mail.password_file: must not be empty".into()));
            }
        }
        (None, None) => {}
    }
    let store_name = match &m.store_name {
        Some(s) if s.get_ref().trim().is_empty() => {
            return Err((s.span(), "mail.store_name: must not be empty (leave it out for the sender's name)".into()));
        }
        Some(s) => s.get_ref().trim().to_string(),
        None => from.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| store.to_string()),
    };
    let max_attempts = match &m.max_attempts {
        None => MAIL_MAX_ATTEMPTS,
        Some(n) if (1..=100).contains(n.get_ref()) => *n.get_ref(),
        Some(n) => return Err((n.span(), format!("mail.max_attempts: {} must be 1 to 100", n.get_ref()))),
    };
    let give_up_after_seconds = match &m.give_up_after_hours {
        None => i64::from(MAIL_GIVE_UP_AFTER_HOURS) * 3600,
        Some(h) if (1..=24 * 30).contains(h.get_ref()) => i64::from(*h.get_ref()) * 3600,
        Some(h) => {
            return Err((h.span(), format!("mail.give_up_after_hours: {} must be 1 to 720 (30 days)", h.get_ref())));
        }
    };
    Ok(MailConfig {
        max_attempts,
        give_up_after_seconds,
        url,
        security,
        host,
        port,
        from: from.to_string(),
        username,
        password_file,
        store_name,
        store_address: m.store_address.as_ref().map(|a| a.trim().to_string()).filter(|a| !a.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn urls_give_security_host_and_port() {
        assert_eq!(parse_url("smtp://relay.lan").unwrap(), (SmtpSecurity::Plain, "relay.lan".into(), 25));
        assert_eq!(
            parse_url("smtps://mail.example.com/").unwrap(),
            (SmtpSecurity::Tls, "mail.example.com".into(), 465)
        );
        assert_eq!(
            parse_url("smtp+starttls://10.0.0.5:2525").unwrap(),
            (SmtpSecurity::StartTls, "10.0.0.5".into(), 2525)
        );
        assert_eq!(parse_url("smtp://[::1]:2525").unwrap(), (SmtpSecurity::Plain, "::1".into(), 2525));
        for (bad, says) in [
            ("relay.lan:25", "expected smtp://"),
            ("http://relay.lan", "unknown scheme 'http'"),
            ("smtp://user:pw@relay.lan", "must not carry credentials"),
            ("smtp://relay.lan:0", "port '0'"),
            ("smtp://relay.lan:smtp", "port 'smtp'"),
            ("smtp://", "is not a host name"),
            ("smtp://relay.lan/inbox", "no path"),
        ] {
            let e = parse_url(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
