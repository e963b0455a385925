//! Typed access to a parsed TOML table with source spans: each getter reports a wrong
//! type or unknown key once, and hands back a `Field` that remembers whether it was set.

use super::errors::{a_or_an, ErrorKind, Issue, Issues};
use super::suggest::closest;
use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub(crate) type Item<'i> = Spanned<DeValue<'i>>;

/// A setting as read: absent, present but unusable (already reported), or usable.
#[derive(Debug, Clone)]
pub(crate) enum Field<T> {
    Absent,
    Invalid,
    Given(Spanned<T>),
}

impl<T> Field<T> {
    pub(crate) fn given(&self) -> Option<&Spanned<T>> {
        match self {
            Field::Given(value) => Some(value),
            _ => None,
        }
    }

    /// This field, or `fallback` when the blueprint does not set it here.
    pub(crate) fn or<'a>(&'a self, fallback: &'a Field<T>) -> &'a Field<T> {
        match self {
            Field::Absent => fallback,
            _ => self,
        }
    }

    /// Transforms a given value; `None` from `f` (a reported problem) makes the field invalid.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> Option<U>) -> Field<U> {
        match self {
            Field::Given(value) => {
                let span = value.span();
                match f(value.into_inner()) {
                    Some(u) => Field::Given(Spanned::new(span, u)),
                    None => Field::Invalid,
                }
            }
            Field::Absent => Field::Absent,
            Field::Invalid => Field::Invalid,
        }
    }
}

pub(crate) type Labels = Vec<(Spanned<String>, Spanned<String>)>;
pub(crate) type Strings = Vec<Spanned<String>>;

/// Reads values out of tables, collecting what is wrong with them.
pub(crate) struct Reader<'a> {
    pub(crate) issues: &'a mut Issues,
    /// The cluster's cloud, once `[cluster]` is read: settings tables of other clouds
    /// are reported once as a whole, not key by key.
    pub(crate) provider: Option<super::ProviderKind>,
}

impl Reader<'_> {
    /// Reads `key` as a table (inline or not) and hands it to `read`, which reports its own errors.
    pub(crate) fn sub_table<T>(
        &mut self,
        t: &DeTable<'_>,
        key: &str,
        read: impl FnOnce(&mut Self, &DeTable<'_>, Range<usize>) -> Option<T>,
    ) -> Field<T> {
        let Some(item) = t.get(key) else {
            return Field::Absent;
        };
        let Some(sub) = self.table(item, key) else {
            return Field::Invalid;
        };
        match read(self, sub, item.span()) {
            Some(value) => Field::Given(Spanned::new(item.span(), value)),
            None => Field::Invalid,
        }
    }

    pub(crate) fn table<'t, 'i>(
        &mut self,
        item: &'t Item<'i>,
        key: &str,
    ) -> Option<&'t DeTable<'i>> {
        self.table_with_help(item, key, "")
    }

    pub(crate) fn table_with_help<'t, 'i>(
        &mut self,
        item: &'t Item<'i>,
        key: &str,
        help: &str,
    ) -> Option<&'t DeTable<'i>> {
        match item.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                let help = (!help.is_empty()).then(|| help.to_string());
                self.wrong_type(item.span(), key, "a table", other, help);
                None
            }
        }
    }

    pub(crate) fn string(&mut self, t: &DeTable<'_>, key: &str) -> Field<String> {
        let Some(item) = t.get(key) else {
            return Field::Absent;
        };
        match item.get_ref() {
            DeValue::String(s) => Field::Given(Spanned::new(item.span(), s.to_string())),
            other => {
                self.wrong_type(item.span(), key, "a string", other, None);
                Field::Invalid
            }
        }
    }

    pub(crate) fn boolean(&mut self, t: &DeTable<'_>, key: &str) -> Field<bool> {
        let Some(item) = t.get(key) else {
            return Field::Absent;
        };
        match item.get_ref() {
            DeValue::Boolean(b) => Field::Given(Spanned::new(item.span(), *b)),
            other => {
                let help = other
                    .as_str()
                    .filter(|s| matches!(*s, "true" | "false"))
                    .map(|s| format!("drop the quotes: `{key} = {s}`"));
                self.wrong_type(item.span(), key, "a boolean", other, help);
                Field::Invalid
            }
        }
    }

    /// A node count, disk size or similar: a non-negative integer that fits in 32 bits.
    pub(crate) fn count(&mut self, t: &DeTable<'_>, key: &str) -> Field<u32> {
        let Some(item) = t.get(key) else {
            return Field::Absent;
        };
        self.count_item(item, key)
    }

    pub(crate) fn count_item(&mut self, item: &Item<'_>, key: &str) -> Field<u32> {
        let span = item.span();
        match item.get_ref() {
            DeValue::Integer(int) => {
                // The parser has already checked the digits; only the range can fail here.
                match i128::from_str_radix(int.as_str(), int.radix()) {
                    Ok(n) if n < 0 => {
                        self.issues.push(
                            Issue::new(
                                ErrorKind::InvalidValue,
                                span,
                                format!("`{key}` cannot be negative"),
                            )
                            .label(format!("expected 0 or more, found {n}")),
                        );
                        Field::Invalid
                    }
                    Ok(n) => match u32::try_from(n) {
                        Ok(n) => Field::Given(Spanned::new(span, n)),
                        Err(_) => {
                            self.issues.push(
                                Issue::new(
                                    ErrorKind::InvalidValue,
                                    span,
                                    format!("`{key}` is too large"),
                                )
                                .label(format!("{n} is beyond any cloud's limit")),
                            );
                            Field::Invalid
                        }
                    },
                    Err(_) => {
                        self.issues.push(
                            Issue::new(
                                ErrorKind::InvalidValue,
                                span,
                                format!("`{key}` is too large"),
                            )
                            .label("not a number poolctl can hold"),
                        );
                        Field::Invalid
                    }
                }
            }
            other => {
                let help = match other {
                    DeValue::String(s) if s.trim().parse::<u32>().is_ok() => {
                        Some(format!("drop the quotes: `{key} = {}`", s.trim()))
                    }
                    DeValue::Float(f) => Some(format!(
                        "write a whole number, e.g. `{key} = {}`",
                        f.as_str().split('.').next().unwrap_or("1")
                    )),
                    _ => None,
                };
                self.wrong_type(span, key, "an integer", other, help);
                Field::Invalid
            }
        }
    }

    pub(crate) fn strings(&mut self, t: &DeTable<'_>, key: &str) -> Field<Strings> {
        let Some(item) = t.get(key) else {
            return Field::Absent;
        };
        let DeValue::Array(array) = item.get_ref() else {
            let help = item
                .get_ref()
                .as_str()
                .map(|s| format!("write a list: `{key} = [\"{s}\"]`"));
            self.wrong_type(
                item.span(),
                key,
                "an array of strings",
                item.get_ref(),
                help,
            );
            return Field::Invalid;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for element in array.iter() {
            match element.get_ref() {
                DeValue::String(s) => out.push(Spanned::new(element.span(), s.to_string())),
                other => {
                    ok = false;
                    self.wrong_type(
                        element.span(),
                        &format!("{key} element"),
                        "a string",
                        other,
                        None,
                    );
                }
            }
        }
        if ok {
            Field::Given(Spanned::new(item.span(), out))
        } else {
            Field::Invalid
        }
    }

    /// A table of string values, keeping each key's span (labels).
    pub(crate) fn string_map(&mut self, t: &DeTable<'_>, key: &str) -> Field<Labels> {
        let Some(item) = t.get(key) else {
            return Field::Absent;
        };
        let Some(map) = self.table(item, key) else {
            return Field::Invalid;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (k, v) in map.iter() {
            match v.get_ref() {
                DeValue::String(s) => out.push((
                    Spanned::new(k.span(), k.get_ref().to_string()),
                    Spanned::new(v.span(), s.to_string()),
                )),
                other => {
                    ok = false;
                    let help = match other {
                        DeValue::Boolean(_) | DeValue::Integer(_) | DeValue::Float(_) => {
                            Some("Kubernetes label values are strings: quote it".to_string())
                        }
                        DeValue::Table(_) => Some(format!(
                            "a dotted label key must be quoted: `\"{}.…\" = \"…\"`",
                            k.get_ref()
                        )),
                        _ => None,
                    };
                    self.wrong_type(
                        v.span(),
                        &format!("{key}.{}", k.get_ref()),
                        "a string",
                        other,
                        help,
                    );
                }
            }
        }
        if ok {
            Field::Given(Spanned::new(item.span(), out))
        } else {
            Field::Invalid
        }
    }

    pub(crate) fn wrong_type(
        &mut self,
        span: Range<usize>,
        key: &str,
        expected: &str,
        found: &DeValue<'_>,
        help: Option<String>,
    ) {
        let found = a_or_an(found.type_str());
        self.issues.push(
            Issue::new(
                ErrorKind::WrongType,
                span,
                format!("`{key}`: expected {expected}, found {found}"),
            )
            .label(format!("expected {expected}"))
            .maybe_help(help),
        );
    }

    pub(crate) fn missing(&mut self, span: Range<usize>, key: &str, place: &str, help: &str) {
        self.issues.push(
            Issue::new(
                ErrorKind::MissingKey,
                span,
                format!("{place} needs `{key}`"),
            )
            .label(format!("`{key}` is missing here"))
            .help(help),
        );
    }

    /// Reports keys outside `allowed`; returns the known keys they look like typos of.
    pub(crate) fn unknown_keys(
        &mut self,
        t: &DeTable<'_>,
        allowed: &[&'static str],
        place: &str,
        skip: impl Fn(&str) -> bool,
    ) -> Vec<&'static str> {
        let mut misspelt = Vec::new();
        for (key, _) in t.iter() {
            let key_str: &str = key.get_ref();
            if allowed.contains(&key_str) || skip(key_str) {
                continue;
            }
            misspelt.extend(self.unknown_key(key, allowed, place, None));
        }
        misspelt
    }

    pub(crate) fn unknown_keys_with_aliases(
        &mut self,
        t: &DeTable<'_>,
        allowed: &[&'static str],
        place: &str,
        aliases: &[(&str, &str, &'static str)],
    ) -> Vec<&'static str> {
        let mut misspelt = Vec::new();
        for (key, _) in t.iter() {
            let key_str: &str = key.get_ref();
            if allowed.contains(&key_str) {
                continue;
            }
            match aliases.iter().find(|(alias, _, _)| *alias == key_str) {
                Some((_, help, stands_for)) => {
                    self.unknown_key(key, allowed, place, Some(help.to_string()));
                    misspelt.push(*stands_for);
                }
                None => misspelt.extend(self.unknown_key(key, allowed, place, None)),
            }
        }
        misspelt
    }

    pub(crate) fn unknown_key(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        allowed: &[&'static str],
        place: &str,
        help: Option<String>,
    ) -> Option<&'static str> {
        let word: &str = key.get_ref();
        let suggestion = closest(word, allowed);
        let help = help
            .or_else(|| suggestion.map(|c| format!("did you mean `{c}`?")))
            .unwrap_or_else(|| format!("known keys {place}: {}", allowed.join(", ")));
        self.issues.push(
            Issue::new(
                ErrorKind::UnknownKey,
                key.span(),
                format!("unknown key `{word}` {place}"),
            )
            .label("unknown key")
            .help(help),
        );
        suggestion
    }
}
