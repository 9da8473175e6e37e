//! Store peers' recent sales, replicated over the LAN (#16 §3): after a peer round, a
//! register copies the peer's own sales and returns of the last days it keeps
//! (`[returns] peer_sales_days`, 90 by default), so a receipt from R1 is returned at R2 with
//! the WAN down, also once R1 is switched off, and the over-return check counts R1's
//! returns. A copy, not a live query: what R2 holds survives R1 going away.
//!
//! The peer serves only its own sales (never copies it holds of others'), without the
//! staff code and the cash session; pages of [`PEER_SALES_PAGE`], oldest first, after the
//! receipt the asker already holds of it. The answer is checked before anything is kept:
//! every sale must be the answering register's of the asker's store, and read back.

use till_protocol::{PEER_SALES_PAGE, PeerSale, PeerSales, PeerSalesRequest};
use till_store::{PeerCopyError, SaleForPeer, Store};

use crate::client::{Remote, SyncError, SyncReport};

/// Most pages one pull reads (a peer answering `more` for ever is cut off).
const MAX_PAGES: usize = 1000;

/// The answer of register `store` to a peer's [`PeerSalesRequest`].
pub fn answer(store: &Store, req: &PeerSalesRequest) -> Result<PeerSales, String> {
    let me = store.replica_identity().ok_or("no replica identity")?.clone();
    let since: jiff::Timestamp =
        req.since.parse().map_err(|e| format!("since {:?}: {e}", req.since.chars().take(40).collect::<String>()))?;
    let after = req.after.get(&me.register).copied().unwrap_or(0);
    let mut sales = store.sales_for_peers(after, since, PEER_SALES_PAGE + 1).map_err(|e| e.to_string())?;
    let more = sales.len() > PEER_SALES_PAGE as usize;
    sales.truncate(PEER_SALES_PAGE as usize);
    Ok(PeerSales {
        store: me.store,
        register: me.register,
        sales: sales.into_iter().map(|s| PeerSale { seq: s.seq, payload: s.payload }).collect(),
        more,
    })
}

/// Copies the sales of the peer at `remote` completed since `since`, after those held;
/// drops copies older than `since`. Returns how many were added.
pub fn pull(
    store: &mut Store,
    remote: &Remote,
    since: jiff::Timestamp,
    report: &mut SyncReport,
) -> Result<u64, SyncError> {
    let me = store.replica_identity().ok_or(SyncError::NotEnrolled)?.clone();
    let mut added = 0;
    for _ in 0..MAX_PAGES {
        let req = PeerSalesRequest { since: since.to_string(), after: store.peer_sale_watermarks()? };
        let page: PeerSales = remote.post_json("/v1/peer/sales", &req, report)?;
        if page.store != me.store || page.register == me.register {
            return Err(remote.protocol(format!(
                "the peer answered as {}/{}, not as another register of store {}",
                page.store, page.register, me.store
            )));
        }
        let sales: Vec<SaleForPeer> =
            page.sales.into_iter().map(|s| SaleForPeer { seq: s.seq, payload: s.payload }).collect();
        added += store.keep_peer_sales(&me.store, &page.register, &sales, since).map_err(|e| match e {
            PeerCopyError::Payload(p) => remote.protocol(p),
            PeerCopyError::Store(s) => SyncError::Store(s),
        })? as u64;
        if !page.more || sales.is_empty() {
            break;
        }
    }
    Ok(added)
}
