//! What can be wrong with a blueprint: one diagnostic per problem, each with its file,
//! span and a hint, so that `validate` can report every mistake of a file at once.

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};
use std::fmt;
use std::ops::Range;

/// The kinds of blueprint errors, so that callers and tests can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file is not valid TOML.
    Syntax,
    /// A key of a planned feature (`extends`, `env`) that this version does not implement.
    NotSupportedYet,
    UnknownKey,
    /// A value of the wrong TOML type (a string where an integer belongs, ...).
    WrongType,
    MissingKey,
    /// A value of the right type outside the allowed set (provider, class, URL, GPU count).
    InvalidValue,
    /// A label key or value that Kubernetes would refuse.
    InvalidLabel,
    /// A taint that does not parse, has a bad key or value, or clashes with another taint.
    InvalidTaint,
    /// A pool name the cluster's cloud would refuse.
    InvalidPoolName,
    /// A zone that cannot belong to the cluster, or one listed twice.
    InvalidZone,
    /// A pool with both `size` and `autoscale`.
    SizeAndAutoscale,
    /// A pool with neither `size` nor `autoscale`.
    NoScaling,
    /// `autoscale.min` above `autoscale.max`.
    MinAboveMax,
    /// `autoscale.max = 0`: a pool that can never hold a node.
    MaxZero,
    /// A node count beyond what the cloud allows for this pool.
    NodeCountOutOfRange,
    DiskSizeOutOfRange,
    /// A static GKE size that does not divide evenly by the pool's zones.
    UnevenZones,
    /// A `core` pool with taints.
    CoreTainted,
    /// A `core` pool with `spot = true`.
    CoreSpot,
    /// A plan would replace or delete a pool with `protect = true`.
    Protected,
    /// Not an error: a check that only `plan` can make, against the live cluster.
    CheckedByPlan,
    /// A `gpu` pool without `gpu = { type, count }`.
    GpuMissing,
    /// `gpu` on a pool whose class is not `gpu`.
    GpuOnNonGpuClass,
    /// `[pools.NAME.aks]` (say) in a GKE blueprint.
    ForeignProviderExtras,
    /// A setting the cluster's cloud has no place for (`zones` on EKS).
    NotForProvider,
}

impl ErrorKind {
    /// A stable code shown next to the message, for searching and documentation.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "blueprint::syntax",
            ErrorKind::NotSupportedYet => "blueprint::not_supported_yet",
            ErrorKind::UnknownKey => "blueprint::unknown_key",
            ErrorKind::WrongType => "blueprint::wrong_type",
            ErrorKind::MissingKey => "blueprint::missing_key",
            ErrorKind::InvalidValue => "blueprint::invalid_value",
            ErrorKind::InvalidLabel => "blueprint::invalid_label",
            ErrorKind::InvalidTaint => "blueprint::invalid_taint",
            ErrorKind::InvalidPoolName => "blueprint::invalid_pool_name",
            ErrorKind::InvalidZone => "blueprint::invalid_zone",
            ErrorKind::SizeAndAutoscale => "blueprint::size_and_autoscale",
            ErrorKind::NoScaling => "blueprint::no_scaling",
            ErrorKind::MinAboveMax => "blueprint::min_above_max",
            ErrorKind::MaxZero => "blueprint::max_zero",
            ErrorKind::NodeCountOutOfRange => "blueprint::node_count",
            ErrorKind::DiskSizeOutOfRange => "blueprint::disk_size",
            ErrorKind::UnevenZones => "blueprint::uneven_zones",
            ErrorKind::CoreTainted => "blueprint::core_tainted",
            ErrorKind::CoreSpot => "blueprint::core_spot",
            ErrorKind::Protected => "blueprint::protected",
            ErrorKind::CheckedByPlan => "blueprint::checked_by_plan",
            ErrorKind::GpuMissing => "blueprint::gpu_missing",
            ErrorKind::GpuOnNonGpuClass => "blueprint::gpu_on_non_gpu_class",
            ErrorKind::ForeignProviderExtras => "blueprint::foreign_provider_extras",
            ErrorKind::NotForProvider => "blueprint::not_for_provider",
        }
    }
}

/// One problem in a blueprint, pointing at where it stands in the file.
#[derive(Debug, Clone)]
pub struct BlueprintDiagnostic {
    kind: ErrorKind,
    message: String,
    /// The first label is the primary one: its span is "where the error is".
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    source: NamedSource<String>,
}

impl BlueprintDiagnostic {
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where the problem is: the offending key, value or table header.
    pub fn span(&self) -> SourceSpan {
        self.labels
            .first()
            .map(|l| *l.inner())
            .unwrap_or_else(|| SourceSpan::from(0..0))
    }

    pub fn help_text(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// The file as named in messages.
    pub fn file(&self) -> &str {
        self.source.name()
    }

    /// Line and column (both from 1; the column counts characters) where the problem is.
    pub fn line_column(&self) -> (usize, usize) {
        let text = self.source.inner();
        let offset = self.span().offset().min(text.len());
        let before = text.get(..offset).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }
}

impl fmt::Display for BlueprintDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BlueprintDiagnostic {}

impl Diagnostic for BlueprintDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        match self.kind {
            ErrorKind::CheckedByPlan => Some(miette::Severity::Advice),
            _ => None,
        }
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// A problem found while reading or checking, before it is tied to its source file.
#[derive(Debug, Clone)]
pub(crate) struct Issue {
    pub(crate) kind: ErrorKind,
    message: String,
    span: Range<usize>,
    label: Option<String>,
    also: Vec<(Range<usize>, String)>,
    help: Option<String>,
}

impl Issue {
    pub(crate) fn new(kind: ErrorKind, span: Range<usize>, message: impl Into<String>) -> Self {
        Issue {
            kind,
            message: message.into(),
            span,
            label: None,
            also: Vec::new(),
            help: None,
        }
    }

    /// Text under the primary span.
    pub(crate) fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// A second place that explains the first (where a conflicting value was set).
    pub(crate) fn also(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.also.push((span, label.into()));
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn maybe_help(mut self, help: Option<String>) -> Self {
        self.help = help.or(self.help);
        self
    }

    pub(crate) fn into_diagnostic(self, source: &NamedSource<String>) -> BlueprintDiagnostic {
        let mut labels = vec![LabeledSpan::new_primary_with_span(self.label, self.span)];
        labels.extend(
            self.also
                .into_iter()
                .map(|(span, text)| LabeledSpan::new_with_span(Some(text), span)),
        );
        BlueprintDiagnostic {
            kind: self.kind,
            message: self.message,
            labels,
            help: self.help,
            source: source.clone(),
        }
    }
}

/// Where problems are collected while a blueprint is read, so that all are reported.
#[derive(Debug, Default)]
pub(crate) struct Issues(Vec<Issue>);

impl Issues {
    pub(crate) fn push(&mut self, issue: Issue) {
        self.0.push(issue);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// In file order, so that the report reads top to bottom.
    pub(crate) fn into_sorted(mut self) -> Vec<Issue> {
        self.0.sort_by_key(|i| (i.span.start, i.span.end));
        self.0
    }
}

/// "found a string", "found an integer": TOML type names with their article.
pub(crate) fn a_or_an(type_name: &str) -> String {
    let article = if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {type_name}")
}
