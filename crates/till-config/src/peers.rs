//! `[peers]`: the register's store peers on the LAN. `listen` makes the app serve the
//! store's shared documents and its recent sales to them (what `till serve-peer` does);
//! `urls` are the peers the background sync worker takes a round with after each round
//! with HQ — also when HQ is out of reach, which is when the LAN matters. Both belong to
//! one register (HQ sets them per register).

use serde::Deserialize;
use toml::Spanned;

use crate::devices::FieldError;

/// Most peers a register syncs with (a store's registers, with room to spare).
pub const MAX_PEERS: usize = 16;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct PeersSection {
    listen: Option<Spanned<String>>,
    urls: Option<Spanned<Vec<String>>>,
}

/// Where this register serves its store peers, and which peers it syncs with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeersConfig {
    /// The address the app serves peers on (`0.0.0.0:7879`); `None`: it does not.
    pub listen: Option<std::net::SocketAddr>,
    /// The peers' `https://host:port` URLs, as their `till serve-peer` (or app) serves.
    pub urls: Vec<String>,
}

/// Validates `[peers]`.
pub(crate) fn peers(section: &PeersSection) -> Result<PeersConfig, FieldError> {
    let listen = match &section.listen {
        None => None,
        Some(s) => Some(s.get_ref().trim().parse().map_err(|_| {
            (s.span(), format!("peers.listen: '{}' is not an address and port such as \"0.0.0.0:7879\"", s.get_ref()))
        })?),
    };
    let mut urls = Vec::new();
    if let Some(list) = &section.urls {
        if list.get_ref().len() > MAX_PEERS {
            return Err((list.span(), format!("peers.urls: at most {MAX_PEERS} peers")));
        }
        for url in list.get_ref() {
            let rest = url.trim().strip_prefix("https://").unwrap_or_default();
            let host = rest.split(['/', ':']).next().unwrap_or_default();
            if host.is_empty() || rest.contains('/') && !rest.ends_with('/') {
                return Err((list.span(), format!("peers.urls: '{url}' is not a peer's https://host:port")));
            }
            urls.push(url.trim().trim_end_matches('/').to_string());
        }
    }
    Ok(PeersConfig { listen, urls })
}
