//! The demo organization: administrators, users, domains and a year of
//! realistic events, generated from a fixed seed.

use adminlog_types::{Action, Plan, Role, Source};
use time::{Duration, OffsetDateTime};

use crate::auth::passwords::hash_password;
use crate::domain::fields::{check_email, check_name, check_password, into_result};
use crate::domain::ingest::EventDraft;
use crate::storage::accounts::{AdminRecord, NewAdmin};
use crate::storage::{Db, StorageError};

pub const DEMO_ORG: &str = "Demo Corp";
pub const DEMO_EMAIL: &str = "super@demo-corp.example";
/// Printed on every start: this organization exists to be looked at.
pub const DEMO_PASSWORD: &str = "demo-password-123";
const DEMO_MAIL_DOMAIN: &str = "demo-corp.example";

/// What to generate.
#[derive(Clone, Debug)]
pub struct DemoSpec {
    pub events: u64,
    pub users: usize,
    pub domains: usize,
    pub seed: u64,
    pub span: Duration,
    /// Share of events that came from API calls.
    pub api_share: f64,
}

impl Default for DemoSpec {
    fn default() -> Self {
        DemoSpec {
            events: 20_000,
            users: 2_000,
            domains: 40,
            seed: 42,
            span: Duration::days(365),
            api_share: 1.0 / 3.0,
        }
    }
}

/// splitmix64: small, fast, and the same sequence on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// The action mix, heaviest first: token issuance, logins and domain
/// membership are common; billing and hardware tokens are rare.
const MIX: &[(Action, u32)] = &[
    (Action::ISSUE_TOKEN, 300),
    (Action::LOG_IN, 120),
    (Action::ADD_USER_TO_DOMAIN, 100),
    (Action::LOG_OUT, 80),
    (Action::REVOKE_TOKEN, 60),
    (Action::CREATE_USER, 50),
    (Action::EDIT_USER, 50),
    (Action::REMOVE_USER_FROM_DOMAIN, 40),
    (Action::RESET_USER_RETRY_LIMIT, 30),
    (Action::CREATE_BYPASS_CODE, 20),
    (Action::DELETE_USER, 15),
    (Action::DELETE_BYPASS_CODE, 10),
    (Action::EDIT_DOMAIN, 10),
    (Action::SEND_ADMIN_TOKEN_RESET_EMAIL, 8),
    (Action::ADD_DOMAIN_ATTRIBUTE, 6),
    (Action::REMOVE_DOMAIN_ATTRIBUTE, 4),
    (Action::CREATE_DOMAIN, 4),
    (Action::RECOVERY_KEY_DISPLAYED, 3),
    (Action::RECOVERY_KEY_DOWNLOADED, 2),
    (Action::RECOVERY_KEY_SAVED_CONFIRMED, 2),
    (Action::ADD_ADMINISTRATOR, 2),
    (Action::EDIT_ADMINISTRATOR, 2),
    (Action::ACCEPT_INVITATION, 2),
    (Action::RESEND_INVITATION, 1),
    (Action::CANCEL_INVITATION, 1),
    (Action::REMOVE_ADMINISTRATOR, 1),
    (Action::DELETE_DOMAIN, 1),
    (Action::EDIT_ORGANIZATION, 1),
    (Action::SET_ENROLLMENT_EMAIL, 1),
    (Action::EDIT_SUBSCRIPTION, 1),
    (Action::EDIT_BILLING, 1),
    (Action::CREATE_HARDWARE_TOKEN, 1),
    (Action::ASSOCIATE_HARDWARE_TOKEN, 1),
    (Action::DISASSOCIATE_HARDWARE_TOKEN, 1),
    (Action::EDIT_HARDWARE_TOKEN, 1),
    (Action::TEST_HARDWARE_TOKEN, 1),
    (Action::DELETE_HARDWARE_TOKEN, 1),
];

const FIRST: &[&str] = &[
    "john", "jane", "maria", "wei", "ahmed", "olga", "liam", "noah", "emma", "ava", "lucas", "mia", "yuki", "ravi",
    "fatima", "pierre", "sofia", "diego", "anna", "omar", "chen", "lena", "ivan", "zoe", "kofi",
];
const LAST: &[&str] = &[
    "doe", "smith", "garcia", "zhang", "khan", "ivanova", "brown", "martin", "rossi", "muller", "tanaka", "patel",
    "silva", "dubois", "nguyen", "kowalski", "okafor", "larsen", "haddad", "novak",
];
const DOMAINS: &[&str] = &[
    "Office VPN",
    "GitLab",
    "Salesforce",
    "Jira",
    "Confluence",
    "AWS Console",
    "Payroll",
    "HR Portal",
    "Mail",
    "CRM",
    "Build Farm",
    "Wiki",
    "Backups",
    "Data Warehouse",
    "Support Desk",
    "Grafana",
];

/// A synthetic population and a generator of events over it.
pub struct Population {
    users: Vec<(String, String)>,
    domains: Vec<String>,
    admins: Vec<String>,
    weights_total: u32,
}

impl Population {
    pub fn new(spec: &DemoSpec, mail_domain: &str, admins: Vec<String>) -> Population {
        let users = (0..spec.users)
            .map(|i| {
                let name = format!("{}.{}{}", FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()], suffix(i));
                (format!("{name}@{mail_domain}"), name)
            })
            .collect();
        let domains = (0..spec.domains)
            .map(|i| match i / DOMAINS.len() {
                0 => DOMAINS[i].to_owned(),
                n => format!("{} {}", DOMAINS[i % DOMAINS.len()], n + 1),
            })
            .collect();
        Population { users, domains, admins, weights_total: MIX.iter().map(|(_, w)| w).sum() }
    }

    /// Every user as (email, name), most active first.
    pub fn users(&self) -> &[(String, String)] {
        &self.users
    }

    pub fn domains(&self) -> &[String] {
        &self.domains
    }

    fn pick_action(&self, rng: &mut Rng) -> Action {
        let mut roll = (rng.next_u64() % u64::from(self.weights_total)) as u32;
        for (action, weight) in MIX {
            if roll < *weight {
                return *action;
            }
            roll -= weight;
        }
        Action::ISSUE_TOKEN
    }

    /// One plausible event at `timestamp`.
    pub fn event(&self, rng: &mut Rng, timestamp: OffsetDateTime, api_share: f64) -> EventDraft {
        let action = self.pick_action(rng);
        let from_api = !matches!(action, Action::LOG_IN | Action::LOG_OUT) && rng.chance(api_share * 1.25);
        let admin_email = if from_api { String::new() } else { self.admins[rng.below(self.admins.len())].clone() };
        let (user_email, user_name) = match action {
            Action::LOG_IN | Action::LOG_OUT | Action::CREATE_DOMAIN | Action::EDIT_DOMAIN | Action::DELETE_DOMAIN => {
                (String::new(), String::new())
            }
            _ => {
                // A few users account for most activity.
                let skewed = rng.below(self.users.len()).min(rng.below(self.users.len()));
                let (email, name) = &self.users[skewed];
                // The seed's own sample logs tokens by user name only.
                if action == Action::ISSUE_TOKEN {
                    (String::new(), name.clone())
                } else {
                    (email.clone(), name.clone())
                }
            }
        };
        let domain_name = match action {
            Action::ISSUE_TOKEN
            | Action::REVOKE_TOKEN
            | Action::ADD_USER_TO_DOMAIN
            | Action::REMOVE_USER_FROM_DOMAIN
            | Action::RESET_USER_RETRY_LIMIT
            | Action::CREATE_DOMAIN
            | Action::EDIT_DOMAIN
            | Action::DELETE_DOMAIN
            | Action::ADD_DOMAIN_ATTRIBUTE
            | Action::REMOVE_DOMAIN_ATTRIBUTE => self.domains[rng.below(self.domains.len())].clone(),
            _ => String::new(),
        };
        EventDraft {
            client_event_id: None,
            timestamp,
            action,
            source: if from_api { Source::Api } else { Source::AdminPanel },
            admin_email,
            user_email,
            user_name,
            domain_name,
            // Loaded by this command, not sent by a client.
            recorder: crate::domain::recorder::Recorder::Server,
            timestamp_given: true,
        }
    }
}

fn suffix(i: usize) -> String {
    let round = i / (FIRST.len() * LAST.len());
    if round == 0 {
        String::new()
    } else {
        round.to_string()
    }
}

/// Creates an administrator, and its organization when it does not exist.
pub fn create_admin(
    db: &Db,
    org: &str,
    plan: Plan,
    email: &str,
    name: &str,
    role: Role,
    password: &str,
) -> Result<AdminRecord, String> {
    let mut problems = Vec::new();
    check_email("email", email, true, &mut problems);
    check_name("name", name, &mut problems);
    check_password(password, &mut problems);
    check_name("org", org, &mut problems);
    into_result(problems).map_err(|problems| {
        problems.iter().map(|p| format!("{} {}", p.field, p.message)).collect::<Vec<_>>().join("; ")
    })?;
    let tenant = match db.tenant_by_name(org).map_err(|e| e.to_string())? {
        Some(tenant) => tenant,
        None => db.create_tenant(org, plan).map_err(|e| e.to_string())?,
    };
    let hash = hash_password(password);
    let log = EventDraft::now(Action::ADD_ADMINISTRATOR, "", Source::Api).about_user(email, name);
    db.create_admin(tenant.id, &NewAdmin { email, name, role, password_hash: &hash }, &[log]).map_err(|e| match e {
        StorageError::Conflict(message) => format!("{email}: {message}"),
        other => other.to_string(),
    })
}

/// Appends `spec.events` events spread evenly (with jitter) over `spec.span`
/// up to `end`, in time order, `batch` events per transaction.
pub fn load_events(
    db: &Db,
    org_id: i64,
    population: &Population,
    spec: &DemoSpec,
    end: OffsetDateTime,
    batch: usize,
) -> Result<(), StorageError> {
    let mut rng = Rng::new(spec.seed);
    let start = end - spec.span;
    let step = spec.span.whole_microseconds() as f64 / spec.events.max(1) as f64;
    let mut drafts = Vec::with_capacity(batch);
    for n in 0..spec.events {
        let jitter = (rng.next_u64() % 1000) as f64 / 1000.0;
        let at = start + Duration::microseconds(((n as f64 + jitter) * step) as i64);
        drafts.push(population.event(&mut rng, at, spec.api_share));
        if drafts.len() == batch {
            db.append_events(org_id, &drafts)?;
            drafts.clear();
        }
    }
    if !drafts.is_empty() {
        db.append_events(org_id, &drafts)?;
    }
    Ok(())
}

/// Creates the demo organization unless it exists. Returns whether it did.
pub fn ensure_demo(db: &Db, spec: &DemoSpec) -> Result<bool, StorageError> {
    if db.tenant_by_name(DEMO_ORG)?.is_some() {
        return Ok(false);
    }
    let tenant = db.create_tenant(DEMO_ORG, Plan::Professional)?;
    let admins = [
        (DEMO_EMAIL, "Sam Super", Role::SuperAdmin),
        ("alice.admin@demo-corp.example", "Alice Admin", Role::Admin),
        ("bob.ops@demo-corp.example", "Bob Ops", Role::SuperAdmin),
        ("carol.helpdesk@demo-corp.example", "Carol Helpdesk", Role::Admin),
    ];
    let hash = hash_password(DEMO_PASSWORD);
    for (email, name, role) in admins {
        let log = EventDraft::now(Action::ADD_ADMINISTRATOR, "", Source::Api).about_user(email, name);
        db.create_admin(tenant.id, &NewAdmin { email, name, role, password_hash: &hash }, &[log])?;
    }
    let population = Population::new(spec, DEMO_MAIL_DOMAIN, admins.iter().map(|a| a.0.to_owned()).collect());
    let end = OffsetDateTime::now_utc() - Duration::minutes(1);
    load_events(db, tenant.id, &population, spec, end, 5_000)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_skewed_and_about_a_third_from_the_api() {
        let spec = DemoSpec::default();
        let population = Population::new(&spec, "x.example", vec!["a@x.example".into()]);
        let mut rng = Rng::new(7);
        let now = OffsetDateTime::now_utc();
        let events: Vec<EventDraft> = (0..20_000).map(|_| population.event(&mut rng, now, spec.api_share)).collect();
        let api = events.iter().filter(|e| e.source == Source::Api).count() as f64 / events.len() as f64;
        assert!((0.25..0.42).contains(&api), "api share {api}");
        let tokens = events.iter().filter(|e| e.action == Action::ISSUE_TOKEN).count();
        let billing = events.iter().filter(|e| e.action == Action::EDIT_BILLING).count();
        assert!(tokens > 50 * billing.max(1), "tokens {tokens}, billing {billing}");
        assert!(events.iter().all(|e| e.source == Source::Api || !e.admin_email.is_empty()));
    }
}
