//! Session tokens: HS256 JWTs bound to one administrator of one organization.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

pub const TOKEN_LIFETIME: Duration = Duration::hours(12);
const ISSUER: &str = "adminlog";
/// Clock difference tolerated between server processes.
const LEEWAY_SECS: i64 = 30;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The administrator's id within `org`.
    pub sub: String,
    pub org: i64,
    /// Unique per token: what logout revokes.
    pub jti: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

pub struct IssuedToken {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> TokenKeys {
        TokenKeys { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret) }
    }

    pub fn issue(&self, org_id: i64, admin_id: i64, now: OffsetDateTime) -> IssuedToken {
        let expires_at = now + TOKEN_LIFETIME;
        let mut jti = [0u8; 16];
        getrandom::getrandom(&mut jti).expect("the OS has a random source");
        let claims = Claims {
            sub: admin_id.to_string(),
            org: org_id,
            jti: jti.iter().map(|b| format!("{b:02x}")).collect(),
            iss: ISSUER.to_owned(),
            iat: now.unix_timestamp(),
            nbf: now.unix_timestamp(),
            exp: expires_at.unix_timestamp(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).expect("HS256 signing cannot fail");
        IssuedToken { token, expires_at }
    }

    /// The claims of a token this server signed that is valid now. Only HS256
    /// is accepted, whatever the token's header says, and no token lives
    /// longer than [`TOKEN_LIFETIME`] from when it was issued, whatever its
    /// `exp` claims (a correctly signed ten-year token is refused).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        self.verify_at(token, OffsetDateTime::now_utc())
    }

    fn verify_at(&self, token: &str, now: OffsetDateTime) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS as u64;
        validation.validate_nbf = true;
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "nbf", "sub", "iss"]);
        let claims = decode::<Claims>(token, &self.decoding, &validation).ok()?.claims;
        let lifetime = TOKEN_LIFETIME.whole_seconds();
        let now = now.unix_timestamp();
        let within_lifetime = claims.exp.checked_sub(claims.iat).is_some_and(|span| span <= lifetime)
            && claims.iat <= now.saturating_add(LEEWAY_SECS)
            && now <= claims.iat.saturating_add(lifetime + LEEWAY_SECS);
        within_lifetime.then_some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_its_own_tokens_only() {
        let keys = TokenKeys::new(b"one secret");
        let issued = keys.issue(4, 2, OffsetDateTime::now_utc());
        let claims = keys.verify(&issued.token).unwrap();
        assert_eq!((claims.org, claims.sub.as_str()), (4, "2"));
        assert!(TokenKeys::new(b"another secret").verify(&issued.token).is_none());
    }

    #[test]
    fn refuses_expired_and_unsigned_tokens() {
        let keys = TokenKeys::new(b"one secret");
        let old = keys.issue(4, 2, OffsetDateTime::now_utc() - Duration::hours(13));
        assert!(keys.verify(&old.token).is_none());
        // alg=none with the same claims
        let payload = issued_payload(&keys);
        let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert!(keys.verify(&unsigned).is_none());
    }

    fn sign(header: Header, claims: &Claims, secret: &[u8]) -> String {
        encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
    }

    fn claims(now: OffsetDateTime) -> Claims {
        Claims {
            sub: "2".into(),
            org: 4,
            jti: "j".into(),
            iss: ISSUER.into(),
            iat: now.unix_timestamp(),
            nbf: now.unix_timestamp(),
            exp: (now + Duration::hours(1)).unix_timestamp(),
        }
    }

    #[test]
    fn only_the_configured_algorithm_is_accepted() {
        let secret = b"one secret";
        let keys = TokenKeys::new(secret);
        let now = OffsetDateTime::now_utc();
        assert!(keys.verify(&sign(Header::new(Algorithm::HS256), &claims(now), secret)).is_some());
        // The same secret under another HMAC algorithm.
        assert!(keys.verify(&sign(Header::new(Algorithm::HS512), &claims(now), secret)).is_none());
        // A header claiming RS256 over an HMAC signature (key confusion).
        let mut confused = sign(Header::new(Algorithm::HS256), &claims(now), secret);
        let rs_header = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9";
        confused = format!("{rs_header}{}", &confused[confused.find('.').unwrap()..]);
        assert!(keys.verify(&confused).is_none());
    }

    #[test]
    fn time_and_issuer_claims_are_enforced() {
        let secret = b"one secret";
        let keys = TokenKeys::new(secret);
        let now = OffsetDateTime::now_utc();
        let mut early = claims(now);
        early.nbf = (now + Duration::minutes(5)).unix_timestamp();
        assert!(keys.verify(&sign(Header::new(Algorithm::HS256), &early, secret)).is_none(), "not yet valid");
        let mut skewed = claims(now);
        skewed.nbf = (now + Duration::seconds(10)).unix_timestamp();
        assert!(keys.verify(&sign(Header::new(Algorithm::HS256), &skewed, secret)).is_some(), "within leeway");
        let mut expired = claims(now);
        expired.exp = (now - Duration::minutes(2)).unix_timestamp();
        assert!(keys.verify(&sign(Header::new(Algorithm::HS256), &expired, secret)).is_none(), "expired");
        let mut foreign = claims(now);
        foreign.iss = "someone-else".into();
        assert!(keys.verify(&sign(Header::new(Algorithm::HS256), &foreign, secret)).is_none(), "issuer");
    }

    #[test]
    fn no_token_outlives_the_server_lifetime_whatever_it_claims() {
        let secret = b"one secret";
        let keys = TokenKeys::new(secret);
        let now = OffsetDateTime::now_utc();
        let mut ten_years = claims(now);
        ten_years.exp = (now + Duration::days(3650)).unix_timestamp();
        assert!(keys.verify(&sign(Header::new(Algorithm::HS256), &ten_years, secret)).is_none(), "long exp");
        let mut backdated = claims(now - Duration::hours(13));
        backdated.exp = (now + Duration::hours(1)).unix_timestamp();
        assert!(keys.verify(&sign(Header::new(Algorithm::HS256), &backdated, secret)).is_none(), "old iat");
        let mut future = claims(now + Duration::hours(2));
        future.nbf = now.unix_timestamp();
        assert!(keys.verify(&sign(Header::new(Algorithm::HS256), &future, secret)).is_none(), "iat ahead");
        let issued = keys.issue(4, 2, now);
        assert!(keys.verify_at(&issued.token, now + TOKEN_LIFETIME - Duration::minutes(1)).is_some());
    }

    fn issued_payload(keys: &TokenKeys) -> String {
        keys.issue(4, 2, OffsetDateTime::now_utc()).token.split('.').nth(1).unwrap().to_owned()
    }
}
