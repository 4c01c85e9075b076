//! Project files, the upload sessions they arrive in, and CSV imports of
//! tasks, as people see them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{CycleId, FileId, JobId, ProjectId, TaskImportId, UploadSessionId, text::named_enum};

named_enum!(
    /// Where a file is: its bytes arriving, then its processing job
    /// (checksum, type, image size and thumbnail).
    FileStatus {
        /// Bytes are arriving; its size is held against the storage limit.
        Uploading = "uploading", "Uploading";
        Queued = "queued", "Queued";
        Processing = "processing", "Processing";
        Ready = "ready", "Ready";
        /// Processing refused it; `failure` says why.
        Failed = "failed", "Failed";
    }
);

impl FileStatus {
    /// Whether the status may still change without anyone acting.
    pub fn is_pending(self) -> bool {
        matches!(self, FileStatus::Uploading | FileStatus::Queued | FileStatus::Processing)
    }
}

named_enum!(
    /// Where an upload session is.
    UploadStatus {
        /// Files are still being sent.
        InProgress = "in_progress", "In progress";
        /// Every file arrived or was refused, at least one arrived.
        Completed = "completed", "Completed";
        /// Every file was refused, or the browser went away.
        Failed = "failed", "Failed";
        Cancelled = "cancelled", "Cancelled";
    }
);

named_enum!(
    /// Where a CSV import is.
    ImportStatus {
        /// Uploaded; its columns are being mapped.
        Draft = "draft", "Not started";
        Importing = "importing", "Importing";
        Succeeded = "succeeded", "Imported";
        Failed = "failed", "Failed";
        Cancelled = "cancelled", "Cancelled";
    }
);

/// One file of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectFile {
    pub id: FileId,
    pub project_id: ProjectId,
    pub upload_session_id: Option<UploadSessionId>,
    /// The name as uploaded, made safe ([`file_name`]); shown and used for
    /// downloads, never for storage.
    pub name: String,
    pub size_bytes: i64,
    /// The type read from the bytes (`None` until processed).
    pub content_type: Option<String>,
    /// Hex SHA-256 of the bytes (`None` until processed).
    pub sha256: Option<String>,
    /// Pixels, for images.
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub has_thumbnail: bool,
    pub status: FileStatus,
    /// Why processing refused the file.
    pub failure: Option<String>,
    /// Who uploaded it (`None` once their account is gone).
    pub uploaded_by: Option<String>,
    pub created_at: OffsetDateTime,
    pub deleted_at: Option<OffsetDateTime>,
}

/// A file refused during an upload session, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedFile {
    pub name: String,
    pub reason: String,
}

/// A batch of files sent together into a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadSession {
    pub id: UploadSessionId,
    pub project_id: ProjectId,
    pub cycle_id: Option<CycleId>,
    pub cycle_name: Option<String>,
    /// Who uploaded (`None` once their account is gone).
    pub created_by: Option<String>,
    pub status: UploadStatus,
    pub files_total: i64,
    pub files_uploaded: i64,
    pub files_failed: i64,
    pub bytes_uploaded: i64,
    pub failures: Vec<RefusedFile>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

impl UploadSession {
    /// From start to end (or to its last change while in progress).
    pub fn duration(&self) -> time::Duration {
        self.finished_at.unwrap_or(self.updated_at) - self.created_at
    }
}

/// A project's uploads in numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct UploadStats {
    pub sessions: i64,
    /// Files that arrived, and that were refused.
    pub files_uploaded: i64,
    pub files_failed: i64,
    pub bytes_uploaded: i64,
}

impl UploadStats {
    /// Refused files over all files sent, from 0 to 1 (0 with none sent).
    pub fn failure_rate(&self) -> f64 {
        let sent = self.files_uploaded + self.files_failed;
        if sent == 0 { 0.0 } else { self.files_failed as f64 / sent as f64 }
    }
}

/// A CSV import of tasks into a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskImport {
    pub id: TaskImportId,
    pub project_id: ProjectId,
    pub file_name: String,
    pub size_bytes: i64,
    /// The CSV's header row.
    pub columns: Vec<String>,
    /// The mapping the import ran with.
    pub mapping: Option<ImportMapping>,
    pub status: ImportStatus,
    pub job_id: Option<JobId>,
    /// Data rows in the file, once counted.
    pub rows_total: Option<i64>,
    pub rows_imported: i64,
    pub rows_failed: i64,
    /// Why a failed import failed, in words for people.
    pub error: Option<String>,
    pub created_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

/// A task field an import can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportField {
    Title,
    Description,
    Status,
    Priority,
    DueOn,
    Assignee,
    Labels,
    Cycle,
}

impl ImportField {
    pub const ALL: [ImportField; 8] = [
        ImportField::Title,
        ImportField::Description,
        ImportField::Status,
        ImportField::Priority,
        ImportField::DueOn,
        ImportField::Assignee,
        ImportField::Labels,
        ImportField::Cycle,
    ];

    /// The name of the form field and of the task export's column, so an
    /// export imports without mapping.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportField::Title => "title",
            ImportField::Description => "description",
            ImportField::Status => "status",
            ImportField::Priority => "priority",
            ImportField::DueOn => "due_on",
            ImportField::Assignee => "assignee",
            ImportField::Labels => "labels",
            ImportField::Cycle => "cycle",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ImportField::Title => "Title",
            ImportField::Description => "Description",
            ImportField::Status => "Status (open or done)",
            ImportField::Priority => "Priority",
            ImportField::DueOn => "Due date (YYYY-MM-DD)",
            ImportField::Assignee => "Assignee (name or email)",
            ImportField::Labels => "Labels (separated by ;)",
            ImportField::Cycle => "Cycle (name)",
        }
    }
}

/// Which column (by index in the header) fills each task field; fields
/// without a column stay empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportMapping(pub Vec<(ImportField, usize)>);

impl ImportMapping {
    /// The column of `field`, if mapped.
    pub fn column(&self, field: ImportField) -> Option<usize> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, column)| *column)
    }

    /// The mapping a header suggests: each field takes the column of its
    /// own name (case and surrounding spaces ignored), as the task export
    /// writes them.
    pub fn guess(columns: &[String]) -> Self {
        Self(
            ImportField::ALL
                .into_iter()
                .filter_map(|field| {
                    columns.iter().position(|c| c.trim().eq_ignore_ascii_case(field.as_str())).map(|i| (field, i))
                })
                .collect(),
        )
    }
}

/// A row of the preview: its line in the file, the title it would get, and
/// what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub line: u64,
    pub cells: Vec<String>,
    pub errors: Vec<String>,
}

/// The longest file name kept, in characters (most file systems allow 255
/// bytes; characters are what people see).
pub const MAX_FILE_NAME: usize = 255;

/// A person's file name made safe to store, show and send back in a
/// `Content-Disposition` header: only the last path segment (`/` and `\`
/// both end a segment, so `../../etc/passwd` is `passwd`), without control
/// characters (NUL, line breaks) or bidirectional overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F: the "RTL override"
/// trick that shows `exe.txt` for `txt.exe`), trimmed of spaces and dots,
/// at most [`MAX_FILE_NAME`] characters keeping the extension; `file` when
/// nothing is left. The name is never used as a storage path either way.
pub fn file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c.is_whitespace() || c == '.');
    if trimmed.is_empty() {
        return "file".to_owned();
    }
    let count = trimmed.chars().count();
    if count <= MAX_FILE_NAME {
        return trimmed.to_owned();
    }
    // Keep a short extension, cut the stem.
    let (stem, extension) = match trimmed.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 16 => (stem, Some(ext)),
        _ => (trimmed, None),
    };
    let room = MAX_FILE_NAME - extension.map_or(0, |e| e.chars().count() + 1);
    let mut name: String = stem.chars().take(room).collect();
    if let Some(ext) = extension {
        name.push('.');
        name.push_str(ext);
    }
    name
}

/// Files a project's files page shows at once (its live updates too).
pub const FILES_PER_PAGE: u32 = 50;

/// `bytes` for people: `812 B`, `4.2 KB`, `18.0 MB`, `1.3 GB` (units of
/// 1,024).
pub fn format_bytes(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_controls_and_direction_tricks() {
        assert_eq!(file_name("../../etc/passwd"), "passwd");
        assert_eq!(file_name("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(file_name("a\0b.txt"), "ab.txt");
        assert_eq!(file_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(file_name("line\r\nbreak.txt"), "linebreak.txt");
        assert_eq!(file_name("  ..  "), "file");
        assert_eq!(file_name(".."), "file");
        assert_eq!(file_name("résumé 2026.pdf"), "résumé 2026.pdf");
        let long = format!("{}.png", "x".repeat(300));
        let kept = file_name(&long);
        assert_eq!(kept.chars().count(), MAX_FILE_NAME);
        assert!(kept.ends_with("xx.png"), "{kept}");
    }

    #[test]
    fn byte_sizes_read_naturally() {
        assert_eq!(format_bytes(812), "812 B");
        assert_eq!(format_bytes(4300), "4.2 KB");
        assert_eq!(format_bytes(18 * 1024 * 1024), "18.0 MB");
    }

    #[test]
    fn an_export_header_maps_itself() {
        let columns: Vec<String> =
            ["id", "Title", "status", "priority", "due_on"].into_iter().map(str::to_owned).collect();
        let mapping = ImportMapping::guess(&columns);
        assert_eq!(mapping.column(ImportField::Title), Some(1));
        assert_eq!(mapping.column(ImportField::DueOn), Some(4));
        assert_eq!(mapping.column(ImportField::Labels), None);
    }

    #[test]
    fn statuses_round_trip() {
        for status in FileStatus::ALL {
            assert_eq!(status.as_str().parse::<FileStatus>(), Ok(*status));
        }
        assert!("gone".parse::<UploadStatus>().is_err());
    }
}
