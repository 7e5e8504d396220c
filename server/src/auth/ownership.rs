//! Ownership of datasets, models and other things people create: private to the owner by
//! default, optionally shared read-only with every signed-in user; admins see and manage all.
//!
//! Someone who may not see a thing is told it does not exist (404), never that it is
//! forbidden (403): a 403 would confirm that the identifier is real. Tokens and sessions
//! follow the same rule through their owner-scoped queries.

use lepton_protocol::account::Role;

use super::user::User;

/// Who may read a thing besides its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Visibility {
    /// Only the owner (and admins).
    Private,
    /// Every signed-in user may read it; only the owner (and admins) may change it.
    Shared,
}

/// The owner and visibility of one thing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Owned<'a> {
    pub(crate) owner_id: &'a str,
    pub(crate) visibility: Visibility,
}

impl Owned<'_> {
    /// Whether `user` may see it (and so learn it exists).
    pub(crate) fn readable_by(&self, user: &User) -> bool {
        self.visibility == Visibility::Shared || self.modifiable_by(user)
    }

    /// Whether `user` may change or delete it.
    pub(crate) fn modifiable_by(&self, user: &User) -> bool {
        user.id == self.owner_id || user.role == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, role: Role) -> User {
        User::from_parts(
            id.into(),
            id.into(),
            String::new(),
            role.as_str(),
            false,
            String::new(),
        )
    }

    #[test]
    fn private_things_are_the_owners_and_admins() {
        let thing = Owned {
            owner_id: "ada",
            visibility: Visibility::Private,
        };
        assert!(thing.readable_by(&user("ada", Role::Viewer)));
        assert!(!thing.readable_by(&user("bob", Role::Editor)));
        assert!(thing.readable_by(&user("root", Role::Admin)));
    }

    #[test]
    fn shared_things_are_readable_but_not_modifiable_by_others() {
        let thing = Owned {
            owner_id: "ada",
            visibility: Visibility::Shared,
        };
        let bob = user("bob", Role::Editor);
        assert!(thing.readable_by(&bob));
        assert!(!thing.modifiable_by(&bob));
        assert!(thing.modifiable_by(&user("ada", Role::Editor)));
    }
}
