//! One module per page of the dashboard.

mod account;
mod admin_audit;
mod admin_users;
mod datasets;
mod lab;
mod models;
mod not_found;
mod overview;
mod production;
mod sign_in;
mod table;
mod training;

pub(crate) use account::Account;
pub(crate) use admin_audit::AdminAudit;
pub(crate) use admin_users::AdminUsers;
pub(crate) use datasets::{DatasetPage, Datasets};
pub(crate) use lab::Lab;
pub(crate) use models::{Compare, ModelPage, Models};
pub(crate) use not_found::NotFound;
pub(crate) use overview::Overview;
pub(crate) use production::Production;
pub(crate) use sign_in::SignIn;
pub(crate) use training::{JobPage, Training};
