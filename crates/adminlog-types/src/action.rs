//! The action types of the log: the seed's 38 in seed order, then the few
//! extensions the service needs for its own management actions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! actions {
    (
        seed { $($seed:ident = $seed_code:literal, $seed_expl:literal;)* }
        extensions { $($ext:ident = $ext_code:literal, $ext_expl:literal;)* }
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
        LOG_IN = 1, "Administrator logged into the Admin Panel";
        LOG_OUT = 2, "Administrator logged out of the Admin Panel";
        RECOVERY_KEY_DISPLAYED = 3, "Administrator has been displayed their Recovery Key";
        RECOVERY_KEY_DOWNLOADED = 4, "Administrator has downloaded their Recovery Key";
        RECOVERY_KEY_SAVED_CONFIRMED = 5, "Administrator has confirmed saving their Recovery Key";
        ADD_ADMINISTRATOR = 6, "Administrator invited to an organization";
        EDIT_ADMINISTRATOR = 7, "Administrator edited";
        REMOVE_ADMINISTRATOR = 8, "Administrator removed from an organization";
        ACCEPT_INVITATION = 9, "Administrator has accepted an invitation";
        CANCEL_INVITATION = 10, "Outstanding administrator invitation cancelled";
        RESEND_INVITATION = 11, "Outstanding administrator invitation re-sent";
        SEND_ADMIN_TOKEN_RESET_EMAIL = 12, "Administrator Admin Panel token reset email sent";
        CREATE_DOMAIN = 13, "Domain has been created";
        EDIT_DOMAIN = 14, "Domain has been edited";
        DELETE_DOMAIN = 15, "Domain has been deleted";
        ADD_DOMAIN_ATTRIBUTE = 16, "Add a domain attribute for a domain";
        REMOVE_DOMAIN_ATTRIBUTE = 17, "Delete a domain attribute for a domain";
        CREATE_ORGANIZATION = 18, "Organization created";
        EDIT_ORGANIZATION = 19, "Edit the organization name";
        CREATE_USER = 20, "User created";
        EDIT_USER = 21, "User edited";
        DELETE_USER = 22, "User deleted";
        ADD_USER_TO_DOMAIN = 23, "User added to a domain";
        REMOVE_USER_FROM_DOMAIN = 24, "User removed from a domain";
        RESET_USER_RETRY_LIMIT = 25, "Reset the user retries limit for a domain";
        ISSUE_TOKEN = 26, "Token issued";
        REVOKE_TOKEN = 27, "Token revoked";
        CREATE_BYPASS_CODE = 28, "Bypass code created";
        DELETE_BYPASS_CODE = 29, "Bypass code delete";
        EDIT_SUBSCRIPTION = 30, "Subscription edited";
        EDIT_BILLING = 31, "Billing information edited";
        CREATE_HARDWARE_TOKEN = 32, "Hardware token created";
        DELETE_HARDWARE_TOKEN = 33, "Hardware token deleted";
        EDIT_HARDWARE_TOKEN = 34, "Hardware token edited";
        ASSOCIATE_HARDWARE_TOKEN = 35, "Hardware token associated with a user";
        DISASSOCIATE_HARDWARE_TOKEN = 36, "Hardware token disassociated with a user";
        TEST_HARDWARE_TOKEN = 37, "Test a hardware token";
        SET_ENROLLMENT_EMAIL = 38, "Set and / or edit the custom enrollment email";
    }
    extensions {
        CREATE_API_KEY = 101, "API key created (adminlog extension)";
        REVOKE_API_KEY = 102, "API key revoked (adminlog extension)";
        EXPORT_ADMIN_LOGS = 103, "Admin logs exported as CSV (adminlog extension)";
        CREATE_STREAM = 104, "Push stream created (adminlog extension)";
        UPDATE_STREAM = 105, "Push stream paused, resumed or replayed (adminlog extension)";
        DELETE_STREAM = 106, "Push stream deleted (adminlog extension)";
        DISABLE_STREAM = 107, "Push stream disabled: its receiver answered 410 Gone (adminlog extension)";
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
    fn codes_are_unique() {
        let mut codes: Vec<i16> = Action::ALL.iter().map(|a| a.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Action::ALL.len());
    }
}
