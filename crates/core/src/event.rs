//! Events and the per-region hash chain.
//!
//! Every change to any record is an event. Events of one region form a chain:
//! `hash = SHA-256(prev_hash ‖ canonical_bytes(event))`, the first event's `prev_hash` being 32
//! zero bytes. The canonical bytes are defined here, once, so that SQLite and PostgreSQL
//! produce the same hash: fields in a fixed order, each length-prefixed, integers big-endian,
//! the payload as canonical JSON (object keys sorted, no white space) exactly as stored.

use crate::region::RegionCode;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

pub type Hash32 = [u8; 32];

pub const GENESIS_HASH: Hash32 = [0u8; 32];

/// What an event is about: `kind:id`, e.g. `department:0199…` or `user:0199…`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Subject(pub String);

impl Subject {
    pub fn new(kind: &str, id: &str) -> Self {
        Subject(format!("{kind}:{id}"))
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An event as a command produces it, before the store gives it a place in the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub region: RegionCode,
    pub subject: Subject,
    /// Dotted kind, e.g. `department.created`, `auth.login`.
    pub kind: String,
    /// `user:<id>`, `system`, or `cli:<what>`.
    pub actor: String,
    pub payload: serde_json::Value,
}

impl NewEvent {
    pub fn new(
        region: RegionCode,
        subject: Subject,
        kind: &str,
        actor: &str,
        payload: serde_json::Value,
    ) -> Self {
        NewEvent {
            region,
            subject,
            kind: kind.to_string(),
            actor: actor.to_string(),
            payload,
        }
    }
}

/// An event with its place in its region's chain, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventRecord {
    pub region: String,
    pub seq: i64,
    pub subject: String,
    pub kind: String,
    pub actor: String,
    pub at: Timestamp,
    /// Canonical JSON text; hashed as stored.
    pub payload: String,
    #[serde(with = "hex_bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub prev_hash: Hash32,
    #[serde(with = "hex_bytes")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub hash: Hash32,
}

impl EventRecord {
    /// The event's id as people cite it: `region-seq`.
    pub fn id(&self) -> String {
        format!("{}-{}", self.region, self.seq)
    }

    pub fn recompute_hash(&self) -> Hash32 {
        self.as_stored().recompute_hash()
    }

    /// The event borrowed, as verification reads it.
    pub fn as_stored(&self) -> StoredEvent<'_> {
        StoredEvent {
            fields: EventFields {
                region: &self.region,
                seq: self.seq,
                subject: &self.subject,
                kind: &self.kind,
                actor: &self.actor,
                at: self.at,
                payload: &self.payload,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

/// A stored event borrowed from wherever it was read (a row, a buffer of rows), so that a
/// walk over millions of events need not copy each into owned strings.
#[derive(Debug, Clone, Copy)]
pub struct StoredEvent<'a> {
    pub fields: EventFields<'a>,
    pub prev_hash: Hash32,
    pub hash: Hash32,
}

impl StoredEvent<'_> {
    pub fn recompute_hash(&self) -> Hash32 {
        chain_hash(&self.prev_hash, &self.fields)
    }
}

/// The hashed fields of an event, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct EventFields<'a> {
    pub region: &'a str,
    pub seq: i64,
    pub subject: &'a str,
    pub kind: &'a str,
    pub actor: &'a str,
    pub at: Timestamp,
    pub payload: &'a str,
}

const DOMAIN_TAG: &[u8] = b"fazhi-event-v1";

/// `SHA-256(prev_hash ‖ canonical bytes)`, streamed into the hasher without an intermediate buffer.
pub fn chain_hash(prev_hash: &Hash32, event: &EventFields<'_>) -> Hash32 {
    let mut h = Sha256::new();
    h.update(prev_hash);
    h.update(DOMAIN_TAG);
    for text in [event.region, event.subject, event.kind, event.actor] {
        h.update((text.len() as u64).to_be_bytes());
        h.update(text.as_bytes());
    }
    h.update(event.seq.to_be_bytes());
    h.update(event.at.0.to_be_bytes());
    h.update((event.payload.len() as u64).to_be_bytes());
    h.update(event.payload.as_bytes());
    h.finalize().into()
}

/// JSON with object keys sorted and no insignificant white space, whatever order the value
/// was built in, so that a payload's text (and so its hash) is a function of its content.
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// What is wrong with a chain, at the first event where it goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainFault {
    /// An event is missing: the sequence jumps (deleted, or events reordered by renumbering).
    Gap { expected: i64, found: i64 },
    /// The event does not link to the one before it (inserted, removed or reordered).
    BrokenLink { stored: Hash32, expected: Hash32 },
    /// The event's content no longer matches its hash (changed after it was written).
    ContentChanged { stored: Hash32, recomputed: Hash32 },
}

impl fmt::Display for ChainFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainFault::Gap { expected, found } => write!(
                f,
                "sequence jumps from {} to {found}: event {expected} is missing",
                expected - 1
            ),
            ChainFault::BrokenLink { stored, expected } => write!(
                f,
                "prev_hash {} does not match the previous event's hash {}: an event was inserted, removed or reordered before this one",
                short(stored),
                short(expected)
            ),
            ChainFault::ContentChanged { stored, recomputed } => write!(
                f,
                "content does not match its hash (stored {}, recomputed {}): the event was altered",
                short(stored),
                short(recomputed)
            ),
        }
    }
}

fn short(hash: &Hash32) -> String {
    hex::encode(&hash[..8])
}

/// Walks one region's events in sequence order and reports the first fault.
#[derive(Debug)]
pub struct ChainVerifier {
    next_seq: i64,
    head: Hash32,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            next_seq: 1,
            head: GENESIS_HASH,
        }
    }
}

impl ChainVerifier {
    /// Picks a chain up after an event already proved (by a signed checkpoint): the next
    /// event must be `height + 1` and link to `head`.
    pub fn resume(height: i64, head: Hash32) -> Self {
        ChainVerifier {
            next_seq: height + 1,
            head,
        }
    }

    pub fn check(&mut self, event: &EventRecord) -> Result<(), ChainFault> {
        self.check_stored(&event.as_stored())
    }

    pub fn check_stored(&mut self, event: &StoredEvent<'_>) -> Result<(), ChainFault> {
        if event.fields.seq != self.next_seq {
            return Err(ChainFault::Gap {
                expected: self.next_seq,
                found: event.fields.seq,
            });
        }
        if event.prev_hash != self.head {
            return Err(ChainFault::BrokenLink {
                stored: event.prev_hash,
                expected: self.head,
            });
        }
        let recomputed = event.recompute_hash();
        if recomputed != event.hash {
            return Err(ChainFault::ContentChanged {
                stored: event.hash,
                recomputed,
            });
        }
        self.next_seq += 1;
        self.head = event.hash;
        Ok(())
    }

    /// Events verified so far (the height of the verified chain).
    pub fn height(&self) -> i64 {
        self.next_seq - 1
    }

    pub fn head(&self) -> Hash32 {
        self.head
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(text, &mut out).map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chain(n: i64) -> Vec<EventRecord> {
        let mut prev = GENESIS_HASH;
        (1..=n)
            .map(|seq| {
                let payload = canonical_json(&json!({"n": seq, "name": "旅顺口区司法局"}));
                let mut e = EventRecord {
                    region: "210212".into(),
                    seq,
                    subject: format!("department:{seq}"),
                    kind: "department.created".into(),
                    actor: "system".into(),
                    at: Timestamp(1_000_000 * seq),
                    payload,
                    prev_hash: prev,
                    hash: [0; 32],
                };
                e.hash = e.recompute_hash();
                prev = e.hash;
                e
            })
            .collect()
    }

    fn first_fault(events: &[EventRecord]) -> Option<(i64, ChainFault)> {
        let mut v = ChainVerifier::default();
        events
            .iter()
            .find_map(|e| v.check(e).err().map(|f| (e.seq, f)))
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let a = json!({"b": 1, "a": {"d": [1, {"z": 0, "y": "中"}], "c": null}});
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"c":null,"d":[1,{"y":"中","z":0}]},"b":1}"#
        );
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(first_fault(&chain(5)), None);
    }

    #[test]
    fn a_changed_payload_is_named() {
        let mut events = chain(5);
        events[2].payload = events[2].payload.replace("司法局", "公安局");
        assert!(matches!(
            first_fault(&events),
            Some((3, ChainFault::ContentChanged { .. }))
        ));
    }

    #[test]
    fn a_changed_time_or_actor_is_caught() {
        let mut events = chain(3);
        events[1].at = Timestamp(events[1].at.0 + 1);
        assert!(matches!(first_fault(&events), Some((2, _))));
        let mut events = chain(3);
        events[2].actor = "user:mallory".into();
        assert!(matches!(first_fault(&events), Some((3, _))));
    }

    #[test]
    fn a_deleted_event_is_a_gap() {
        let mut events = chain(5);
        events.remove(1);
        assert_eq!(
            first_fault(&events),
            Some((
                3,
                ChainFault::Gap {
                    expected: 2,
                    found: 3
                }
            ))
        );
    }

    #[test]
    fn swapped_events_break_the_links() {
        let mut events = chain(5);
        events.swap(1, 2);
        events[1].seq = 2;
        events[2].seq = 3;
        assert!(matches!(
            first_fault(&events),
            Some((2, ChainFault::BrokenLink { .. }))
        ));
    }

    #[test]
    fn the_hash_depends_on_every_field_boundary() {
        // Length prefixes keep "ab"+"c" and "a"+"bc" apart.
        let fields = |subject, kind| EventFields {
            region: "210212",
            seq: 1,
            subject,
            kind,
            actor: "x",
            at: Timestamp(0),
            payload: "{}",
        };
        assert_ne!(
            chain_hash(&GENESIS_HASH, &fields("ab", "c")),
            chain_hash(&GENESIS_HASH, &fields("a", "bc"))
        );
    }
}
