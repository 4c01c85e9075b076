//! Types that cross the wire between server and browser.
//!
//! Everything here compiles to wasm: no database, no I/O. Input newtypes
//! follow "parse, don't validate": a value of the type is proof that the
//! input met the rule, and the rule lives in exactly one `parse`.

pub mod account;
pub mod api_reference;
pub mod api_token;
pub mod args;
pub mod audit;
pub mod change;
pub mod cycle;
pub mod draft;
pub mod file;
pub mod ids;
pub mod invitation;
pub mod job;
pub mod label;
pub mod license;
pub mod listing;
pub mod member;
pub mod org;
pub mod permission;
pub mod plan;
pub mod project;
pub mod role;
pub mod task;
pub mod task_query;
pub mod tenant;
pub mod text;
pub mod view;
pub mod webhook;

pub use account::{
    AccountOverview, DeviceSession, DisplayName, Email, Password, PasswordStrength, SessionUser, Theme,
    TwoFactorEnrolment,
};
pub use api_token::{ApiToken, CreatedApiToken, TokenName, TokenRole, TokenStatus};
pub use audit::{AuditAction, AuditEvent, AuditPage};
pub use change::Change;
pub use cycle::{Cycle, CycleName};
pub use file::{
    FileStatus, ImportField, ImportMapping, ImportStatus, PreviewRow, ProjectFile, RefusedFile, TaskImport,
    UploadSession, UploadStats, UploadStatus,
};
pub use ids::{
    ApiTokenId, AuditEventId, CycleId, EntitlementId, FileId, InvitationId, JobId, LabelId, LicenseId, MachineId,
    OrgId, PolicyId, ProjectId, SavedViewId, SessionId, TaskId, TaskImportId, UploadSessionId, UserId,
    WebhookDeliveryId, WebhookEndpointId,
};
pub use invitation::{Invitation, InvitationStatus, InvitationView};
pub use job::{JobItem, JobStatus};
pub use label::{Label, LabelColor, LabelName};
pub use license::{
    Entitlement, EntitlementCode, EntitlementName, ExpirationStrategy, HeartbeatStatus, LicenseDetail, LicenseForm,
    LicenseItem, LicenseStatus, Machine, Policy, PolicyFields, PolicyForm, PolicyName,
};
pub use listing::Page;
pub use member::Member;
pub use org::{AssignedTask, OrgDashboard, OrgName, OrgSettings, OrgShell, OrgSlug, OrgSummary, PlanUsage, WeekCount};
pub use permission::Action;
pub use plan::{OrgLimits, Plan};
pub use project::{Project, ProjectDescription, ProjectName, ProjectView};
pub use role::Role;
pub use task::{
    Assignee, BulkAction, BulkOutcome, Priority, Task, TaskDescription, TaskField, TaskFields, TaskItem, TaskLabel,
    TaskTitle,
};
pub use task_query::{AssigneeFilter, SortDir, StatusFilter, TaskParams, TaskQuery, TaskSort};
pub use tenant::{Tenant, TenantStatus};
pub use view::{SavedView, ViewName};
