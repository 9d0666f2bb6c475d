//! The action types of the log: the seed's 38 in seed order, then the few
//! extensions the service needs for its own management actions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! actions {
    (
        seed { $($seed:ident = $seed_code:literal, $seed_group:ident, $seed_label:literal, $seed_expl:literal;)* }
        extensions { $($ext:ident = $ext_code:literal, $ext_group:ident, $ext_label:literal, $ext_expl:literal;)* }
    ) => {
        /// One kind of administrator or API action. The numeric code is what the
        /// database stores, so codes never change once released.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(non_camel_case_types)]
        pub enum Action { $($seed,)* $($ext,)* }

        impl Action {
            /// Every action: the seed's in seed order, then the extensions.
            pub const ALL: &'static [Action] = &[$(Action::$seed,)* $(Action::$ext,)*];

            pub const fn as_str(self) -> &'static str {
                match self { $(Action::$seed => stringify!($seed),)* $(Action::$ext => stringify!($ext),)* }
            }

            pub const fn explanation(self) -> &'static str {
                match self { $(Action::$seed => $seed_expl,)* $(Action::$ext => $ext_expl,)* }
            }

            /// What a person calls it: "Token issued" for `ISSUE_TOKEN`.
            pub const fn label(self) -> &'static str {
                match self { $(Action::$seed => $seed_label,)* $(Action::$ext => $ext_label,)* }
            }

            /// What it acts on, for grouping in pickers.
            pub const fn group(self) -> ActionGroup {
                match self { $(Action::$seed => ActionGroup::$seed_group,)* $(Action::$ext => ActionGroup::$ext_group,)* }
            }

            /// The stable storage code.
            pub const fn code(self) -> i16 {
                match self { $(Action::$seed => $seed_code,)* $(Action::$ext => $ext_code,)* }
            }

            pub fn from_code(code: i16) -> Option<Action> {
                match code { $($seed_code => Some(Action::$seed),)* $($ext_code => Some(Action::$ext),)* _ => None }
            }

            /// True for actions adminlog added to the seed's list.
            pub const fn is_extension(self) -> bool {
                match self { $(Action::$seed => false,)* $(Action::$ext => true,)* }
            }
        }
    };
}

actions! {
    seed {
        LOG_IN = 1, SignIn, "Logged in", "Administrator logged into the Admin Panel";
        LOG_OUT = 2, SignIn, "Logged out", "Administrator logged out of the Admin Panel";
        RECOVERY_KEY_DISPLAYED = 3, SignIn, "Recovery key displayed", "Administrator has been displayed their Recovery Key";
        RECOVERY_KEY_DOWNLOADED = 4, SignIn, "Recovery key downloaded", "Administrator has downloaded their Recovery Key";
        RECOVERY_KEY_SAVED_CONFIRMED = 5, SignIn, "Recovery key saving confirmed", "Administrator has confirmed saving their Recovery Key";
        ADD_ADMINISTRATOR = 6, Administrators, "Administrator invited", "Administrator invited to an organization";
        EDIT_ADMINISTRATOR = 7, Administrators, "Administrator edited", "Administrator edited";
        REMOVE_ADMINISTRATOR = 8, Administrators, "Administrator removed", "Administrator removed from an organization";
        ACCEPT_INVITATION = 9, Administrators, "Invitation accepted", "Administrator has accepted an invitation";
        CANCEL_INVITATION = 10, Administrators, "Invitation cancelled", "Outstanding administrator invitation cancelled";
        RESEND_INVITATION = 11, Administrators, "Invitation re-sent", "Outstanding administrator invitation re-sent";
        SEND_ADMIN_TOKEN_RESET_EMAIL = 12, Administrators, "Token reset email sent", "Administrator Admin Panel token reset email sent";
        CREATE_DOMAIN = 13, Domains, "Domain created", "Domain has been created";
        EDIT_DOMAIN = 14, Domains, "Domain edited", "Domain has been edited";
        DELETE_DOMAIN = 15, Domains, "Domain deleted", "Domain has been deleted";
        ADD_DOMAIN_ATTRIBUTE = 16, Domains, "Domain attribute added", "Add a domain attribute for a domain";
        REMOVE_DOMAIN_ATTRIBUTE = 17, Domains, "Domain attribute removed", "Delete a domain attribute for a domain";
        CREATE_ORGANIZATION = 18, Organization, "Organization created", "Organization created";
        EDIT_ORGANIZATION = 19, Organization, "Organization renamed", "Edit the organization name";
        CREATE_USER = 20, Users, "User created", "User created";
        EDIT_USER = 21, Users, "User edited", "User edited";
        DELETE_USER = 22, Users, "User deleted", "User deleted";
        ADD_USER_TO_DOMAIN = 23, Users, "User added to a domain", "User added to a domain";
        REMOVE_USER_FROM_DOMAIN = 24, Users, "User removed from a domain", "User removed from a domain";
        RESET_USER_RETRY_LIMIT = 25, Users, "Retry limit reset", "Reset the user retries limit for a domain";
        ISSUE_TOKEN = 26, Tokens, "Token issued", "Token issued";
        REVOKE_TOKEN = 27, Tokens, "Token revoked", "Token revoked";
        CREATE_BYPASS_CODE = 28, Tokens, "Bypass code created", "Bypass code created";
        DELETE_BYPASS_CODE = 29, Tokens, "Bypass code deleted", "Bypass code delete";
        EDIT_SUBSCRIPTION = 30, Organization, "Subscription edited", "Subscription edited";
        EDIT_BILLING = 31, Organization, "Billing edited", "Billing information edited";
        CREATE_HARDWARE_TOKEN = 32, HardwareTokens, "Hardware token created", "Hardware token created";
        DELETE_HARDWARE_TOKEN = 33, HardwareTokens, "Hardware token deleted", "Hardware token deleted";
        EDIT_HARDWARE_TOKEN = 34, HardwareTokens, "Hardware token edited", "Hardware token edited";
        ASSOCIATE_HARDWARE_TOKEN = 35, HardwareTokens, "Hardware token assigned", "Hardware token associated with a user";
        DISASSOCIATE_HARDWARE_TOKEN = 36, HardwareTokens, "Hardware token unassigned", "Hardware token disassociated with a user";
        TEST_HARDWARE_TOKEN = 37, HardwareTokens, "Hardware token tested", "Test a hardware token";
        SET_ENROLLMENT_EMAIL = 38, Organization, "Enrollment email set", "Set and / or edit the custom enrollment email";
    }
    extensions {
        CREATE_API_KEY = 101, AuditLog, "API key created", "API key created (adminlog extension)";
        REVOKE_API_KEY = 102, AuditLog, "API key revoked", "API key revoked (adminlog extension)";
        EXPORT_ADMIN_LOGS = 103, AuditLog, "Log exported", "Admin logs exported as CSV (adminlog extension)";
        CREATE_STREAM = 104, AuditLog, "Push stream created", "Push stream created (adminlog extension)";
        UPDATE_STREAM = 105, AuditLog, "Push stream changed", "Push stream paused, resumed or replayed (adminlog extension)";
        DELETE_STREAM = 106, AuditLog, "Push stream deleted", "Push stream deleted (adminlog extension)";
        DISABLE_STREAM = 107, AuditLog, "Push stream disabled", "Push stream disabled: its receiver answered 410 Gone (adminlog extension)";
    }
}

/// What an action acts on: the headings of the action picker, in the order
/// it shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionGroup {
    SignIn,
    Administrators,
    Users,
    Domains,
    Tokens,
    HardwareTokens,
    Organization,
    AuditLog,
}

impl ActionGroup {
    pub const ALL: &'static [ActionGroup] = &[
        ActionGroup::SignIn,
        ActionGroup::Administrators,
        ActionGroup::Users,
        ActionGroup::Domains,
        ActionGroup::Tokens,
        ActionGroup::HardwareTokens,
        ActionGroup::Organization,
        ActionGroup::AuditLog,
    ];

    /// The heading.
    pub const fn label(self) -> &'static str {
        match self {
            ActionGroup::SignIn => "Sign-in and recovery",
            ActionGroup::Administrators => "Administrators",
            ActionGroup::Users => "Users",
            ActionGroup::Domains => "Domains",
            ActionGroup::Tokens => "Tokens and bypass codes",
            ActionGroup::HardwareTokens => "Hardware tokens",
            ActionGroup::Organization => "Organization and billing",
            ActionGroup::AuditLog => "This audit log",
        }
    }

    /// Its actions, in seed order.
    pub fn actions(self) -> impl Iterator<Item = Action> {
        Action::ALL.iter().copied().filter(move |action| action.group() == self)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name that did not match any action type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAction(pub String);

impl fmt::Display for UnknownAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown action `{}`: GET /api/v1/actions lists the action types", self.0)
    }
}

impl std::error::Error for UnknownAction {}

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Action::ALL.iter().copied().find(|action| action.as_str() == name).ok_or_else(|| UnknownAction(name.to_owned()))
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_actions_come_first_in_seed_order() {
        let seed: Vec<&str> = Action::ALL.iter().filter(|a| !a.is_extension()).map(|a| a.as_str()).collect();
        assert_eq!(seed.len(), 38);
        assert_eq!(seed[0], "LOG_IN");
        assert_eq!(seed[25], "ISSUE_TOKEN");
        assert_eq!(seed[37], "SET_ENROLLMENT_EMAIL");
        assert!(Action::ALL[..38].iter().all(|a| !a.is_extension()));
    }

    #[test]
    fn names_and_codes_round_trip() {
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(*action));
            assert_eq!(Action::from_code(action.code()), Some(*action));
        }
        assert_eq!("log_in".parse::<Action>(), Err(UnknownAction("log_in".into())));
    }

    #[test]
    fn every_action_has_a_group_and_a_label_of_its_own() {
        let grouped: usize = ActionGroup::ALL.iter().map(|group| group.actions().count()).sum();
        assert_eq!(grouped, Action::ALL.len());
        assert!(ActionGroup::ALL.iter().all(|group| group.actions().next().is_some()), "no empty heading");
        let mut labels: Vec<&str> = Action::ALL.iter().map(|a| a.label()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), Action::ALL.len(), "two actions read alike");
        assert_eq!(Action::ISSUE_TOKEN.label(), "Token issued");
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<i16> = Action::ALL.iter().map(|a| a.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Action::ALL.len());
    }
}
