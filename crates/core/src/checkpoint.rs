//! Signed checkpoints of a region's chain head.
//!
//! A checkpoint says "region R had H events and its head hash was X at time T", signed with
//! the installation's Ed25519 key, which lives outside the database. Published checkpoints let
//! anyone holding the public key check later that history up to H was not rewritten, even by
//! someone who could rewrite the whole chain consistently.

use crate::event::Hash32;
use crate::time::Timestamp;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

/// The exact bytes that are signed.
pub fn message(region: &str, height: i64, head: &Hash32, at: Timestamp) -> Vec<u8> {
    format!(
        "fazhi-checkpoint-v1\nregion={region}\nheight={height}\nhead={}\nat={}\n",
        hex::encode(head),
        at.0
    )
    .into_bytes()
}

pub fn sign(key: &SigningKey, region: &str, height: i64, head: &Hash32, at: Timestamp) -> [u8; 64] {
    key.sign(&message(region, height, head, at)).to_bytes()
}

pub fn verify(
    public: &VerifyingKey,
    region: &str,
    height: i64,
    head: &Hash32,
    at: Timestamp,
    signature: &[u8],
) -> bool {
    let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    public
        .verify(
            &message(region, height, head, at),
            &Signature::from_bytes(&bytes),
        )
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_covers_every_field() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public = key.verifying_key();
        let head = [1u8; 32];
        let sig = sign(&key, "210212", 10, &head, Timestamp(5));
        assert!(verify(&public, "210212", 10, &head, Timestamp(5), &sig));
        assert!(!verify(&public, "210212", 11, &head, Timestamp(5), &sig));
        assert!(!verify(&public, "210211", 10, &head, Timestamp(5), &sig));
        assert!(!verify(
            &public,
            "210212",
            10,
            &[2u8; 32],
            Timestamp(5),
            &sig
        ));
        assert!(!verify(&public, "210212", 10, &head, Timestamp(6), &sig));
        let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
        assert!(!verify(&other, "210212", 10, &head, Timestamp(5), &sig));
        assert!(!verify(
            &public,
            "210212",
            10,
            &head,
            Timestamp(5),
            &sig[..10]
        ));
    }
}
