//! Labels and taints as a blueprint writes them: Kubernetes key and value syntax, taint
//! parsing with effect suggestions, one value per taint key and effect; spans on the offender.

use super::errors::{ErrorKind, Issue, Issues};
use super::kube_syntax::{check_key, check_value};
use super::suggest::closest;
use super::typed::{Field, Labels, Strings};
use poolctl_provider::{Effect, ParseTaintError, Taint};
use std::collections::BTreeMap;
use toml::Spanned;

pub(crate) fn check_labels(
    labels: Field<Labels>,
    issues: &mut Issues,
) -> Field<BTreeMap<String, String>> {
    labels.map(|labels| {
        let mut ok = true;
        let mut out = BTreeMap::new();
        for (key, value) in labels {
            if let Err(why) = check_key(key.get_ref()) {
                ok = false;
                issues.push(
                    Issue::new(
                        ErrorKind::InvalidLabel,
                        key.span(),
                        format!("invalid label key `{}`: {why}", key.get_ref()),
                    )
                    .label("invalid label key")
                    .help(KEY_SYNTAX_HELP),
                );
            }
            if let Err(why) = check_value(value.get_ref()) {
                ok = false;
                issues.push(
                    Issue::new(
                        ErrorKind::InvalidLabel,
                        value.span(),
                        format!("invalid value for label `{}`: {why}", key.get_ref()),
                    )
                    .label("invalid label value")
                    .help(VALUE_SYNTAX_HELP),
                );
            }
            out.insert(key.into_inner(), value.into_inner());
        }
        ok.then_some(out)
    })
}

const KEY_SYNTAX_HELP: &str =
    "a key is an optional DNS-subdomain prefix and `/` (`example.com/`), \
     then a name of at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a \
     letter or digit";
const VALUE_SYNTAX_HELP: &str = "a value is empty or at most 63 letters, digits, `-`, `_` or `.`, \
     starting and ending with a letter or digit";

pub(crate) fn check_taints(
    taints: Field<Strings>,
    issues: &mut Issues,
) -> Field<Vec<Spanned<Taint>>> {
    taints.map(|taints| {
        let mut ok = true;
        let mut out: Vec<Spanned<Taint>> = Vec::new();
        for text in taints {
            let span = text.span();
            match check_taint(text.get_ref()) {
                Ok(taint) => {
                    let twin = out.iter().find(|t| {
                        t.get_ref().key == taint.key && t.get_ref().effect == taint.effect
                    });
                    if let Some(twin) = twin {
                        ok = false;
                        issues.push(
                            Issue::new(
                                ErrorKind::InvalidTaint,
                                span.clone(),
                                format!(
                                    "taint key `{}` with effect {} is set twice",
                                    taint.key, taint.effect
                                ),
                            )
                            .label("second taint with this key and effect")
                            .also(twin.span(), "first one")
                            .help("Kubernetes allows one value per taint key and effect: keep one"),
                        );
                    }
                    out.push(Spanned::new(span, taint));
                }
                Err((message, help)) => {
                    ok = false;
                    issues.push(
                        Issue::new(ErrorKind::InvalidTaint, span, message)
                            .label("invalid taint")
                            .help(help),
                    );
                }
            }
        }
        ok.then_some(out)
    })
}

/// Parses one taint and checks its key and value; the error is (message, help).
fn check_taint(text: &str) -> Result<Taint, (String, String)> {
    let taint: Taint = text.parse().map_err(|e: ParseTaintError| {
        let help = match &e {
            ParseTaintError::UnknownEffect(effect) => {
                let effects: Vec<&str> = Effect::ALL.iter().map(|e| e.as_str()).collect();
                closest(effect, &effects).map_or_else(
                    || "the effects are NoSchedule, PreferNoSchedule and NoExecute".to_string(),
                    |e| format!("did you mean `{e}`?"),
                )
            }
            _ => "write a taint as `key=value:Effect`, e.g. `dedicated=batch:NoSchedule`".into(),
        };
        (format!("invalid taint `{text}`: {e}"), help)
    })?;
    check_key(&taint.key).map_err(|why| {
        (
            format!("invalid taint key in `{text}`: {why}"),
            KEY_SYNTAX_HELP.to_string(),
        )
    })?;
    check_value(&taint.value).map_err(|why| {
        (
            format!("invalid taint value in `{text}`: {why}"),
            VALUE_SYNTAX_HELP.to_string(),
        )
    })?;
    Ok(taint)
}
