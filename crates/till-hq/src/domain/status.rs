//! An online order's status at HQ and the one function that moves it: intake, routing and
//! fulfilment each say what happened ([`OrderEvent`]) and [`transition`] says where that
//! leaves the order — or that it cannot happen to an order in that state.
//!
//! ```text
//! received ──routed──> routed | partially_routed | unroutable ──(re)routed──> …
//!    │                          │                                    │
//!    └── cancelled by the webstore, or marked fulfilled by it, from any open status
//!                               └── goods leave ──> partially_fulfilled ──> fulfilled
//! ```
//! `cancelled` and `fulfilled` are closed: nothing moves an order out of them. The text
//! form of each status is what the database stores and the CLI and JSON show.

use serde::Serialize;

/// Where an online order stands at HQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Stored, not routed (no locations were configured).
    Received,
    /// Every line routed and reserved.
    Routed,
    /// Some lines routed; the others say why not.
    PartiallyRouted,
    /// No line could be routed.
    Unroutable,
    /// The webstore cancelled it; its reservations were released.
    Cancelled,
    /// Some of its goods left a store or the DC.
    PartiallyFulfilled,
    /// All its goods left, or the webstore marked it fulfilled.
    Fulfilled,
}

/// What happened to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    /// HQ routed it and every line found a location.
    RoutedAll,
    /// HQ routed it and some lines found a location, others did not.
    RoutedSome,
    /// HQ routed it and no line found a location.
    RoutedNone,
    /// HQ had no locations to route it to (none configured), so decided nothing.
    NoLocations,
    /// The webstore cancelled it.
    Cancelled,
    /// The webstore marked it fulfilled.
    FulfilledByWebstore,
    /// Some, not all, of its goods left a store or the DC.
    PartlyLeft,
    /// All its goods left.
    AllLeft,
}

/// An event that cannot happen to an order in its status (it is closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an order that is {from} cannot be {event}")]
pub struct InvalidTransition {
    /// The order's status.
    pub from: OrderStatus,
    /// What was to happen.
    pub event: OrderEvent,
}

/// A text that names no order status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an order status (expected one of {list})", list = OrderStatus::names())]
pub struct UnknownStatus(pub String);

impl OrderStatus {
    /// Every status, in the order listings name them.
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Received,
        OrderStatus::Routed,
        OrderStatus::PartiallyRouted,
        OrderStatus::Unroutable,
        OrderStatus::Cancelled,
        OrderStatus::PartiallyFulfilled,
        OrderStatus::Fulfilled,
    ];

    /// Its text form, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Received => "received",
            OrderStatus::Routed => "routed",
            OrderStatus::PartiallyRouted => "partially_routed",
            OrderStatus::Unroutable => "unroutable",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::PartiallyFulfilled => "partially_fulfilled",
            OrderStatus::Fulfilled => "fulfilled",
        }
    }

    /// Every status's text form, comma-separated, for messages.
    pub fn names() -> String {
        OrderStatus::ALL.map(OrderStatus::as_str).join(", ")
    }

    /// Closed: cancelled or fulfilled, so no event moves it any more (updates from the
    /// webstore are ignored, it is not routed again, and it is not published as live).
    pub fn is_closed(self) -> bool {
        matches!(self, OrderStatus::Cancelled | OrderStatus::Fulfilled)
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for OrderStatus {
    type Err = UnknownStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL.into_iter().find(|s| s.as_str() == text).ok_or_else(|| UnknownStatus(text.to_string()))
    }
}

impl std::fmt::Display for OrderEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OrderEvent::RoutedAll | OrderEvent::RoutedSome | OrderEvent::RoutedNone => "routed",
            OrderEvent::NoLocations => "left unrouted for want of locations",
            OrderEvent::Cancelled => "cancelled",
            OrderEvent::FulfilledByWebstore => "marked fulfilled",
            OrderEvent::PartlyLeft | OrderEvent::AllLeft => "handed over or shipped",
        })
    }
}

/// Where `event` leaves an order that is `from`. Every open order can be routed (again),
/// cancelled, marked fulfilled by the webstore, or have goods leave; a closed one cannot.
pub fn transition(from: OrderStatus, event: OrderEvent) -> Result<OrderStatus, InvalidTransition> {
    if from.is_closed() {
        return Err(InvalidTransition { from, event });
    }
    Ok(match event {
        OrderEvent::RoutedAll => OrderStatus::Routed,
        OrderEvent::RoutedSome => OrderStatus::PartiallyRouted,
        OrderEvent::RoutedNone => OrderStatus::Unroutable,
        OrderEvent::NoLocations => OrderStatus::Received,
        OrderEvent::Cancelled => OrderStatus::Cancelled,
        OrderEvent::FulfilledByWebstore | OrderEvent::AllLeft => OrderStatus::Fulfilled,
        OrderEvent::PartlyLeft => OrderStatus::PartiallyFulfilled,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use OrderEvent as E;
    use OrderStatus as S;

    const EVENTS: [OrderEvent; 8] = [
        E::RoutedAll,
        E::RoutedSome,
        E::RoutedNone,
        E::NoLocations,
        E::Cancelled,
        E::FulfilledByWebstore,
        E::PartlyLeft,
        E::AllLeft,
    ];

    /// Every (status, event) pair and where it leaves the order (`None`: refused). The
    /// columns follow [`EVENTS`].
    #[rustfmt::skip]
    const TABLE: [(OrderStatus, [Option<OrderStatus>; 8]); 7] = [
        //                      RoutedAll        RoutedSome                RoutedNone           NoLocations         Cancelled           ByWebstore          PartlyLeft                    AllLeft
        (S::Received, [Some(S::Routed), Some(S::PartiallyRouted), Some(S::Unroutable), Some(S::Received), Some(S::Cancelled), Some(S::Fulfilled), Some(S::PartiallyFulfilled), Some(S::Fulfilled)]),
        (S::Routed, [Some(S::Routed), Some(S::PartiallyRouted), Some(S::Unroutable), Some(S::Received), Some(S::Cancelled), Some(S::Fulfilled), Some(S::PartiallyFulfilled), Some(S::Fulfilled)]),
        (S::PartiallyRouted, [Some(S::Routed), Some(S::PartiallyRouted), Some(S::Unroutable), Some(S::Received), Some(S::Cancelled), Some(S::Fulfilled), Some(S::PartiallyFulfilled), Some(S::Fulfilled)]),
        (S::Unroutable, [Some(S::Routed), Some(S::PartiallyRouted), Some(S::Unroutable), Some(S::Received), Some(S::Cancelled), Some(S::Fulfilled), Some(S::PartiallyFulfilled), Some(S::Fulfilled)]),
        (S::PartiallyFulfilled, [Some(S::Routed), Some(S::PartiallyRouted), Some(S::Unroutable), Some(S::Received), Some(S::Cancelled), Some(S::Fulfilled), Some(S::PartiallyFulfilled), Some(S::Fulfilled)]),
        (S::Cancelled, [None, None, None, None, None, None, None, None]),
        (S::Fulfilled, [None, None, None, None, None, None, None, None]),
    ];

    #[test]
    fn every_status_and_event_goes_where_the_table_says() {
        assert_eq!(TABLE.len(), OrderStatus::ALL.len());
        for status in OrderStatus::ALL {
            let (_, row) = TABLE.iter().find(|(s, _)| *s == status).unwrap();
            for (event, expected) in EVENTS.iter().zip(row) {
                let got = transition(status, *event);
                match expected {
                    Some(to) => assert_eq!(got, Ok(*to), "{status} + {event:?}"),
                    None => {
                        assert_eq!(got, Err(InvalidTransition { from: status, event: *event }), "{status} + {event:?}")
                    }
                }
            }
        }
    }

    #[test]
    fn exactly_the_closed_statuses_refuse_every_event() {
        for status in OrderStatus::ALL {
            let refused = EVENTS.iter().all(|e| transition(status, *e).is_err());
            assert_eq!(refused, status.is_closed(), "{status}");
        }
        let e = transition(S::Cancelled, E::RoutedAll).unwrap_err();
        assert_eq!(e.to_string(), "an order that is cancelled cannot be routed");
    }

    #[test]
    fn the_text_form_is_what_the_database_and_the_cli_hold() {
        let texts: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            texts,
            ["received", "routed", "partially_routed", "unroutable", "cancelled", "partially_fulfilled", "fulfilled"]
        );
        for status in OrderStatus::ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>(), Ok(status));
            assert_eq!(serde_json::to_string(&status).unwrap(), format!("\"{status}\""));
        }
        let e = "shipped".parse::<OrderStatus>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "'shipped' is not an order status (expected one of received, routed, partially_routed, unroutable, \
             cancelled, partially_fulfilled, fulfilled)"
        );
    }
}
