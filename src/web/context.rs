//! Who is asking: extractors that load the signed-in user from the session and the tenant they
//! act in. The tenant always comes from the session (a user's own tenant, or the one staff
//! entered), never from a URL or a form.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use super::AppState;
use crate::db::audit::Actor;
use crate::db::tenants::Tenant;
use crate::db::users::User;
use crate::db::{self, TenantId};
use crate::domain::account::Role;
use crate::error::AppError;

pub const USER_KEY: &str = "user_id";
pub const ACTING_TENANT_KEY: &str = "acting_tenant";
/// The user's session generation when this session signed in (see `db::users::User`).
pub const GENERATION_KEY: &str = "session_generation";

/// Pages a user who must choose a new password may still open.
const ALLOWED_BEFORE_NEW_PASSWORD: [&str; 3] = ["/account/password", "/logout", "/language"];

/// What the page layout needs: navigation, the acting banner, the sign-out form's token.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub csrf: String,
    pub user_email: String,
    pub role: Role,
    pub tenant_name: String,
    /// Staff acting inside a customer's tenant: shows the banner and the way out.
    pub acting: bool,
}

impl Layout {
    /// The English text in the request's language.
    pub fn t(&self, english: &str) -> String {
        crate::i18n::t(english)
    }
    /// A text with one `{}` gap, translated whole, then filled with `a` (kept as it is).
    pub fn t1(&self, pattern: &str, a: impl std::fmt::Display) -> String {
        crate::i18n::fill(crate::i18n::current(), pattern, &[a.to_string()])
    }
    /// A text with two `{}` gaps.
    pub fn t2(
        &self,
        pattern: &str,
        a: impl std::fmt::Display,
        b: impl std::fmt::Display,
    ) -> String {
        crate::i18n::fill(
            crate::i18n::current(),
            pattern,
            &[a.to_string(), b.to_string()],
        )
    }
    /// A whole number grouped for the language (`1,234` / `1.234`).
    pub fn int(&self, value: impl Count) -> String {
        crate::i18n::format_integer(crate::i18n::current(), value.count())
    }
    pub fn lang(&self) -> &'static str {
        crate::i18n::current().code()
    }
    pub fn languages(&self) -> [crate::i18n::Lang; 2] {
        crate::i18n::Lang::ALL
    }
    /// A plan's name as people read it ("Retail"), from its stored word.
    pub fn plan_name(&self, stored: &str) -> String {
        crate::domain::account::Plan::parse(stored)
            .map_or_else(|_| stored.to_string(), |plan| plan.title().to_string())
    }
    pub fn is_staff(&self) -> bool {
        self.role == Role::Staff
    }
    pub fn can_administer(&self) -> bool {
        self.role == Role::Admin || (self.role == Role::Staff && self.acting)
    }
    pub fn in_tenant(&self) -> bool {
        !self.tenant_name.is_empty()
    }
}

/// A whole number a page shows (templates pass counts by value or by reference).
pub trait Count {
    fn count(&self) -> i64;
}
impl Count for i64 {
    fn count(&self) -> i64 {
        *self
    }
}
impl Count for usize {
    fn count(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}
impl<T: Count> Count for &T {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

/// Any signed-in, active user.
pub struct CurrentUser {
    pub user: User,
    pub session: Session,
    pub acting_tenant: Option<TenantId>,
    /// The tenant the user works in now ([`CurrentUser::tenant_id`]), read with the user.
    pub tenant: Option<Tenant>,
    /// That tenant's data version, read with the user (see [`db::signed_in`]).
    pub data_version: i64,
}

impl CurrentUser {
    /// `_state` is kept for the callers: everything the layout shows was read with the user.
    pub async fn layout(&self, _state: &AppState) -> Result<Layout, AppError> {
        let tenant_name = self
            .tenant
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default();
        Ok(Layout {
            csrf: super::csrf::token(&self.session).await?,
            user_email: self.user.email.clone(),
            role: self.user.role(),
            tenant_name,
            acting: self.user.role() == Role::Staff && self.acting_tenant.is_some(),
        })
    }

    /// The tenant this user works in now, if any.
    pub fn tenant_id(&self) -> Option<TenantId> {
        match self.user.role() {
            Role::Staff => self.acting_tenant,
            Role::Admin | Role::Manager => self.user.tenant_id.map(TenantId),
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user.id,
            email: self.user.email.clone(),
            acting_staff: self.user.role() == Role::Staff,
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("session layer missing")))?;
        CurrentUser::from_session(session, state, parts.uri.path()).await
    }
}

impl CurrentUser {
    /// The user signed in on `session`, asking for `path` (the error pages load the user the
    /// same way to show their menu).
    pub async fn from_session(
        session: Session,
        state: &AppState,
        path: &str,
    ) -> Result<Self, AppError> {
        let user_id = session
            .get::<i64>(USER_KEY)
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .ok_or(AppError::LoginRequired)?;
        let generation = session
            .get::<i64>(GENERATION_KEY)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let acting_tenant = session
            .get::<i64>(ACTING_TENANT_KEY)
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map(TenantId);
        // The user, their tenant and its data version in one query.
        let signed_in = db::signed_in::load(&state.db, user_id, acting_tenant)
            .await?
            .filter(|s| s.user.is_active() && Some(s.user.session_generation) == generation);
        let Some(db::signed_in::SignedIn {
            user,
            tenant,
            data_version,
        }) = signed_in
        else {
            // Deactivated, deleted, or their password or role changed since: this session is
            // over for good, even if the account is reactivated later.
            session
                .flush()
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            return Err(AppError::LoginRequired);
        };
        if user.must_change_password() && !ALLOWED_BEFORE_NEW_PASSWORD.contains(&path) {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(CurrentUser {
            user,
            session,
            acting_tenant,
            tenant,
            data_version,
        })
    }
}

/// A user working inside one tenant: an admin or manager of it, or staff who entered it.
pub struct TenantUser {
    pub current: CurrentUser,
    pub tenant: Tenant,
}

impl TenantUser {
    pub fn tenant_id(&self) -> TenantId {
        self.tenant.tenant_id()
    }
    pub fn actor(&self) -> Actor {
        self.current.actor()
    }
    pub async fn layout(&self, state: &AppState) -> Result<Layout, AppError> {
        self.current.layout(state).await
    }
    /// Records an action in this tenant's audit log.
    pub async fn audit(
        &self,
        state: &AppState,
        action: &str,
        details: &str,
    ) -> Result<(), AppError> {
        db::audit::record(
            &state.db,
            Some(self.tenant_id()),
            &self.actor(),
            action,
            details,
        )
        .await?;
        Ok(())
    }
}

impl FromRequestParts<AppState> for TenantUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let current = CurrentUser::from_request_parts(parts, state).await?;
        // Read with the user (the tenant of `current.tenant_id()`): no second query.
        let tenant = current.tenant.clone().ok_or(AppError::TenantRequired)?;
        Ok(TenantUser { current, tenant })
    }
}

/// Administration of a tenant: its admins, or staff acting in it. Managers get 403.
pub struct TenantAdmin(pub TenantUser);

impl FromRequestParts<AppState> for TenantAdmin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = TenantUser::from_request_parts(parts, state).await?;
        match user.current.user.role() {
            Role::Admin | Role::Staff => Ok(TenantAdmin(user)),
            Role::Manager => Err(AppError::Forbidden(
                "Only the tenant's administrators can open administration pages.".into(),
            )),
        }
    }
}

/// The operator's onboarding staff.
pub struct StaffUser(pub CurrentUser);

impl FromRequestParts<AppState> for StaffUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let current = CurrentUser::from_request_parts(parts, state).await?;
        if current.user.role() != Role::Staff {
            return Err(AppError::Forbidden(
                "Only the operator's onboarding staff can open this page.".into(),
            ));
        }
        Ok(StaffUser(current))
    }
}

/// Field-level messages for a form, shown beside each field.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<(&'static str, String)>);

impl FormErrors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }
    /// The status of a form page: 422 when it is shown again with errors.
    pub fn status(&self) -> axum::http::StatusCode {
        if self.any() {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        } else {
            axum::http::StatusCode::OK
        }
    }
}
