//! Tests of the blueprint module through its public API: each error kind with its
//! position in the file, `[defaults]` merging, class defaults, rendering and the fixtures.

use super::*;
use poolctl_provider::{Effect, ExtraValue, Field as PoolField, Gpu, Scaling, Taint};
use std::collections::BTreeSet;

const GKE: &str = r#"[cluster]
provider = "gke"
name = "analytics"
project = "acme"
location = "europe-west1"
"#;

fn cluster(provider: &str) -> String {
    match provider {
        "gke" => GKE.to_string(),
        "aks" => "[cluster]\nprovider = \"aks\"\nname = \"platform\"\nsubscription = \"0000\"\nresource_group = \"rg\"\n".to_string(),
        "eks" => format!("[cluster]\nprovider = \"eks\"\nname = \"platform\"\n\n{EKS_SHARED}"),
        other => format!("[cluster]\nprovider = \"{other}\"\nname = \"platform\"\n"),
    }
}

/// The `[cluster.eks]` table every EKS node group needs.
const EKS_SHARED: &str = "[cluster.eks]\nsubnets = [\"subnet-0a1b2c3d\"]\nnode_role = \"arn:aws:iam::123456789012:role/nodes\"\n";

fn ok(text: &str) -> Blueprint {
    match parse("blueprint.toml", text) {
        Ok(blueprint) => blueprint,
        Err(e) => panic!("expected a valid blueprint, got {}", render(&e)),
    }
}

fn errors(text: &str) -> Vec<BlueprintDiagnostic> {
    match parse("blueprint.toml", text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e.diagnostics().to_vec(),
    }
}

fn kinds(text: &str) -> Vec<ErrorKind> {
    errors(text).iter().map(|d| d.kind()).collect()
}

/// The only error of `text`, which must be of `kind`.
fn single(text: &str, kind: ErrorKind) -> BlueprintDiagnostic {
    let all = errors(text);
    assert_eq!(
        all.iter().map(|d| d.kind()).collect::<Vec<_>>(),
        vec![kind],
        "{:#?}",
        all.iter().map(|d| d.message()).collect::<Vec<_>>()
    );
    all.into_iter().next().expect("one error")
}

/// 1-based line and column of the error's primary span.
fn position(text: &str, diagnostic: &BlueprintDiagnostic) -> (usize, usize) {
    let offset = diagnostic.span().offset();
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// The source text under the error's primary span.
fn spanned<'a>(text: &'a str, diagnostic: &BlueprintDiagnostic) -> &'a str {
    let span = diagnostic.span();
    &text[span.offset()..span.offset() + span.len()]
}

fn render(error: &dyn miette::Diagnostic) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(200)
        .render_report(&mut out, error)
        .expect("renders");
    out
}

fn pool<'a>(blueprint: &'a Blueprint, name: &str) -> &'a PoolConfig {
    blueprint
        .pools
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no pool {name}"))
}

// --- reading -------------------------------------------------------------------------

#[test]
fn a_full_blueprint_becomes_cluster_and_sorted_pools() {
    let text = format!(
        "#:schema ./poolctl.schema.json\n{GKE}endpoint = \"http://127.0.0.1:8787\"\nemulator = true\n\n\
         [pools.zeta]\nclass = \"workload\"\nmachine_type = \"n2-standard-4\"\nsize = 2\n\n\
         [pools.alpha]\nclass = \"workload\"\nmachine_type = \"n2-standard-4\"\nautoscale = {{ min = 0, max = 5 }}\ndisk_gb = 200\n"
    );
    let blueprint = ok(&text);
    assert_eq!(blueprint.cluster.provider, ProviderKind::Gke);
    assert_eq!(blueprint.cluster.name, "analytics");
    assert_eq!(blueprint.cluster.project.as_deref(), Some("acme"));
    assert_eq!(blueprint.cluster.location.as_deref(), Some("europe-west1"));
    assert_eq!(
        blueprint.cluster.endpoint.as_deref(),
        Some("http://127.0.0.1:8787")
    );
    assert!(blueprint.cluster.emulator);
    let names: Vec<&str> = blueprint.pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["alpha", "zeta"]);
    let alpha = pool(&blueprint, "alpha");
    assert_eq!(alpha.spec.name, "alpha");
    assert_eq!(alpha.spec.scaling, Scaling::Autoscale { min: 0, max: 5 });
    assert_eq!(alpha.spec.disk_gb, Some(200));
    assert!(alpha.spec.tags.is_empty());
    assert_eq!(
        pool(&blueprint, "zeta").spec.scaling,
        Scaling::Fixed { nodes: 2 }
    );
}

#[test]
fn pool_spans_point_at_the_header_and_the_counts() {
    let text = format!(
        "{GKE}\n[pools.core]\nclass = \"core\"\nmachine_type = \"e2-standard-4\"\nsize = 2\nzones = [\"europe-west1-b\"]\n"
    );
    let blueprint = ok(&text);
    let spans = &pool(&blueprint, "core").spans;
    let at = |s: miette::SourceSpan| &text[s.offset()..s.offset() + s.len()];
    assert_eq!(at(spans.header), "core");
    assert_eq!(spans.size.map(at), Some("2"));
    assert_eq!(spans.autoscale, None);
    assert_eq!(spans.zones.map(at), Some("[\"europe-west1-b\"]"));
    assert_eq!(at(blueprint.cluster.span), "[cluster]");
}

#[test]
fn gke_settings_reach_the_pool_spec_over_their_defaults() {
    let text = format!(
        "{GKE}\n[defaults.gke]\nservice_account = \"nodes@acme.iam.gserviceaccount.com\"\n\
         image_type = \"COS_CONTAINERD\"\n\n\
         [pools.highmem]\nclass = \"workload\"\nmachine_type = \"n2-highmem-16\"\n\
         autoscale = {{ min = 0, max = 2 }}\n\n\
         [pools.highmem.gke]\nimage_type = \"UBUNTU_CONTAINERD\"\ndisk_type = \"pd-ssd\"\n\
         max_pods_per_node = 64\n\
         oauth_scopes = [\"https://www.googleapis.com/auth/monitoring\", \"https://www.googleapis.com/auth/logging.write\", \"https://www.googleapis.com/auth/monitoring\"]\n"
    );
    let blueprint = ok(&text);
    let extras = &pool(&blueprint, "highmem").spec.extras;
    let text_of = |s: &str| ExtraValue::Text(s.into());
    assert_eq!(
        extras.get(&PoolField::ServiceAccount),
        Some(&text_of("nodes@acme.iam.gserviceaccount.com")),
        "inherited from [defaults.gke]"
    );
    assert_eq!(
        extras.get(&PoolField::ImageType),
        Some(&text_of("UBUNTU_CONTAINERD")),
        "the pool wins over [defaults.gke]"
    );
    assert_eq!(extras.get(&PoolField::DiskType), Some(&text_of("pd-ssd")));
    assert_eq!(
        extras.get(&PoolField::MaxPodsPerNode),
        Some(&ExtraValue::Count(64))
    );
    assert_eq!(
        extras.get(&PoolField::OauthScopes),
        Some(&ExtraValue::List(vec![
            "https://www.googleapis.com/auth/logging.write".into(),
            "https://www.googleapis.com/auth/monitoring".into(),
        ])),
        "scopes are a set"
    );
}

#[test]
fn gke_settings_are_checked_where_they_are_written() {
    let pool_with = |settings: &str| {
        format!(
            "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 3\n\n[pools.a.gke]\n{settings}\n"
        )
    };
    let e = single(
        &pool_with("image_type = \"cos_containerd\""),
        ErrorKind::InvalidValue,
    );
    assert_eq!(
        position(&pool_with("image_type = \"cos_containerd\""), &e),
        (13, 14)
    );
    assert!(e.help_text().unwrap_or_default().contains("COS_CONTAINERD"));
    let e = single(
        &pool_with("image_type = \"WINDOWS_LTSC_CONTAINERD\""),
        ErrorKind::InvalidValue,
    );
    assert!(e.help_text().unwrap_or_default().contains("Windows"));
    let e = single(
        &pool_with("disk_type = \"pd-sdd\""),
        ErrorKind::InvalidValue,
    );
    assert_eq!(e.help_text(), Some("did you mean `pd-ssd`?"));
    single(
        &pool_with("max_pods_per_node = 300"),
        ErrorKind::InvalidValue,
    );
    single(
        &pool_with("max_pods_per_node = \"64\""),
        ErrorKind::WrongType,
    );
    single(
        &pool_with("service_account = \"nodes\""),
        ErrorKind::InvalidValue,
    );
    let e = single(
        &pool_with("oauth_scopes = [\"cloud-platform\"]"),
        ErrorKind::InvalidValue,
    );
    assert!(e
        .help_text()
        .unwrap_or_default()
        .contains("https://www.googleapis.com/auth/cloud-platform"));
    single(&pool_with("oauth_scopes = []"), ErrorKind::InvalidValue);
}

#[test]
fn compute_endpoint_is_a_gke_setting() {
    let text = format!("{GKE}compute_endpoint = \"https://compute.internal.example.com\"\n");
    assert_eq!(
        ok(&text).cluster.compute_endpoint.as_deref(),
        Some("https://compute.internal.example.com")
    );
    let aks = format!(
        "{}compute_endpoint = \"https://compute.example.com\"\n",
        cluster("aks")
    );
    let e = single(&aks, ErrorKind::NotForProvider);
    assert_eq!(spanned(&aks, &e), "\"https://compute.example.com\"");
    single(
        &format!("{GKE}compute_endpoint = \"compute.example.com\"\n"),
        ErrorKind::InvalidValue,
    );
}

#[test]
fn a_setting_poolctl_cannot_plan_is_refused_at_its_line() {
    // GKE: a key no capability table entry covers (the version belongs to auto-upgrade).
    let text = format!(
        "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 3\n\n[pools.a.gke]\nnode_version = \"1.33\"\n"
    );
    let e = single(&text, ErrorKind::UnknownKey);
    assert_eq!(spanned(&text, &e), "node_version");
    assert_eq!(position(&text, &e), (13, 1));
    // EKS: a key of another cloud, refused where it stands with the keys EKS takes.
    let text = format!(
        "{}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m6i.large\"\nsize = 1\n\n[pools.a.eks]\nnode_rol = \"arn:role\"\n",
        cluster("eks")
    );
    let e = single(&text, ErrorKind::UnknownKey);
    assert_eq!(e.help_text(), Some("did you mean `node_role`?"));
}

#[test]
fn load_names_the_file_and_reports_a_missing_one() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/blueprints/valid-gke-analytics.toml");
    let blueprint = load(&path).expect("valid fixture");
    assert!(blueprint
        .source
        .name()
        .ends_with("valid-gke-analytics.toml"));
    let missing = load(std::path::Path::new("/nonexistent/blueprint.toml")).unwrap_err();
    assert!(matches!(missing, BlueprintError::Io { .. }));
}

// --- errors: one test per kind, with the position it points at -------------------------

#[test]
fn malformed_toml_is_a_spanned_syntax_error() {
    let text = "[cluster]\nprovider = gke\nname = \"x\"\n";
    let e = single(text, ErrorKind::Syntax);
    assert_eq!(position(text, &e), (2, 12));
}

#[test]
fn extends_and_env_are_not_supported_yet() {
    let text = format!("extends = [\"base.toml\"]\n{GKE}\n[env.dev]\npools.core.size = 1\n");
    let all = errors(&text);
    assert_eq!(
        all.iter().map(|d| d.kind()).collect::<Vec<_>>(),
        [ErrorKind::NotSupportedYet, ErrorKind::NotSupportedYet]
    );
    assert_eq!(position(&text, &all[0]), (1, 1));
    assert_eq!(spanned(&text, &all[1]), "env");
    assert!(all[0].message().contains("not supported yet"));
}

#[test]
fn unknown_keys_suggest_the_closest_known_one() {
    let text = format!(
        "{GKE}\n[pools.highmem]\nclass = \"workload\"\nmachin_type = \"n2-highmem-16\"\nautoscale = {{ min = 0, max = 10 }}\n"
    );
    // One mistake, one error: no extra "missing machine_type".
    let e = single(&text, ErrorKind::UnknownKey);
    assert_eq!(position(&text, &e), (9, 1));
    assert_eq!(e.help_text(), Some("did you mean `machine_type`?"));
}

#[test]
fn unknown_keys_are_found_at_every_level() {
    let text = "[clustr]\n\n[cluster]\nprovider = \"gke\"\nname = \"a\"\nproject = \"p\"\nlocaton = \"europe-west1\"\n\
                location = \"europe-west1\"\n\n[defaults]\nlabel = {}\n\n[pools.a]\nclass = \"workload\"\n\
                machine_type = \"m\"\nautoscale = { min = 0, maxx = 3, max = 3 }\nspot = true\n\n[pools.a.gke]\nimage = \"COS\"\n";
    let all = errors(text);
    let found: Vec<(ErrorKind, &str, Option<&str>)> = all
        .iter()
        .map(|d| (d.kind(), spanned(text, d), d.help_text()))
        .collect();
    assert_eq!(
        found,
        [
            (
                ErrorKind::UnknownKey,
                "clustr",
                Some("did you mean `cluster`?")
            ),
            (
                ErrorKind::UnknownKey,
                "locaton",
                Some("did you mean `location`?")
            ),
            (
                ErrorKind::UnknownKey,
                "label",
                Some("did you mean `labels`?")
            ),
            (ErrorKind::UnknownKey, "maxx", Some("did you mean `max`?")),
            (
                ErrorKind::UnknownKey,
                "image",
                Some("did you mean `image_type`?")
            ),
        ]
    );
}

#[test]
fn wrong_types_say_what_was_expected_and_found() {
    let text = format!(
        "{GKE}\n[pools.core]\nclass = \"core\"\nmachine_type = \"e2-standard-4\"\nsize = \"3\"\n"
    );
    let e = single(&text, ErrorKind::WrongType);
    assert!(
        e.message().contains("expected an integer, found a string"),
        "{}",
        e.message()
    );
    assert_eq!(position(&text, &e), (10, 8));
    assert_eq!(e.help_text(), Some("drop the quotes: `size = 3`"));

    let text = format!("{GKE}emulator = \"yes\"\n");
    let e = single(&text, ErrorKind::WrongType);
    assert!(e.message().contains("expected a boolean, found a string"));

    let text = format!(
        "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 3\nzones = \"europe-west1-b\"\nlabels = {{ tier = 2 }}\n"
    );
    let all = errors(&text);
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|d| d.kind() == ErrorKind::WrongType));
    assert_eq!(spanned(&text, &all[0]), "\"europe-west1-b\"");
    assert_eq!(spanned(&text, &all[1]), "2");
}

#[test]
fn negative_and_huge_counts_are_invalid_values() {
    let text = format!(
        "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nautoscale = {{ min = -1, max = 99999999999 }}\n"
    );
    assert_eq!(
        kinds(&text),
        [ErrorKind::InvalidValue, ErrorKind::InvalidValue]
    );
}

#[test]
fn required_keys_are_reported_where_they_belong() {
    let text = "[cluster]\nprovider = \"gke\"\n\n[pools.a]\nsize = 1\n";
    let all = errors(text);
    let found: Vec<(ErrorKind, (usize, usize))> =
        all.iter().map(|d| (d.kind(), position(text, d))).collect();
    assert_eq!(
        found,
        [
            // name, project and location of the cluster, at its header
            (ErrorKind::MissingKey, (1, 1)),
            (ErrorKind::MissingKey, (1, 1)),
            (ErrorKind::MissingKey, (1, 1)),
            // class and machine_type of the pool, at its key
            (ErrorKind::MissingKey, (4, 8)),
            (ErrorKind::MissingKey, (4, 8)),
        ]
    );
    assert_eq!(
        kinds("[pools.a]\nclass = \"core\"\n")[0],
        ErrorKind::MissingKey
    );
}

#[test]
fn unknown_provider_and_class_words_are_invalid_values() {
    let text = "[cluster]\nprovider = \"gcp\"\nname = \"a\"\n";
    let e = single(text, ErrorKind::InvalidValue);
    assert_eq!(e.help_text(), Some("did you mean `gke`?"));
    let text = format!("{GKE}\n[pools.a]\nclass = \"wrkload\"\nmachine_type = \"m\"\nsize = 1\n");
    let e = single(&text, ErrorKind::InvalidValue);
    assert_eq!(e.help_text(), Some("did you mean `workload`?"));
    assert_eq!(position(&text, &e), (8, 9));
}

#[test]
fn an_empty_machine_type_is_refused() {
    let text = format!("{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \" \"\nsize = 1\n");
    let e = single(&text, ErrorKind::InvalidValue);
    assert_eq!(position(&text, &e), (9, 16));
}

#[test]
fn the_endpoint_must_be_an_http_url() {
    let text = format!("{GKE}endpoint = \"127.0.0.1:8787\"\n");
    let e = single(&text, ErrorKind::InvalidValue);
    assert_eq!(position(&text, &e), (6, 12));
}

#[test]
fn bad_label_keys_and_values_point_at_themselves() {
    let text = format!(
        "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 1\n\
         labels = {{ \"-bad\" = \"ok\", good = \"not ok!\", \"Acme.com/x\" = \"\" }}\n"
    );
    let all = errors(&text);
    let found: Vec<(ErrorKind, &str)> = all.iter().map(|d| (d.kind(), spanned(&text, d))).collect();
    assert_eq!(
        found,
        [
            (ErrorKind::InvalidLabel, "\"-bad\""),
            (ErrorKind::InvalidLabel, "\"not ok!\""),
            (ErrorKind::InvalidLabel, "\"Acme.com/x\""),
        ]
    );
    assert_eq!(position(&text, &all[0]), (11, 12));
}

#[test]
fn bad_taints_point_at_the_string() {
    let text = format!(
        "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 1\n\
         taints = [\"a=b:NoScheduled\", \"novalue\", \"bad key=x:NoSchedule\", \"k=-v-:NoExecute\"]\n"
    );
    let all = errors(&text);
    assert!(all.iter().all(|d| d.kind() == ErrorKind::InvalidTaint));
    let spans: Vec<&str> = all.iter().map(|d| spanned(&text, d)).collect();
    assert_eq!(
        spans,
        [
            "\"a=b:NoScheduled\"",
            "\"novalue\"",
            "\"bad key=x:NoSchedule\"",
            "\"k=-v-:NoExecute\""
        ]
    );
    assert_eq!(all[0].help_text(), Some("did you mean `NoSchedule`?"));
    assert_eq!(position(&text, &all[0]), (11, 11));
}

#[test]
fn a_taint_key_and_effect_may_appear_once() {
    let text = format!(
        "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 1\n\
         taints = [\"k=a:NoSchedule\", \"k=b:NoSchedule\", \"k=a:NoExecute\"]\n"
    );
    let e = single(&text, ErrorKind::InvalidTaint);
    assert_eq!(spanned(&text, &e), "\"k=b:NoSchedule\"");
}

#[test]
fn autoscale_bounds_must_make_sense() {
    let text = format!(
        "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nautoscale = {{ min = 5, max = 2 }}\n"
    );
    let e = single(&text, ErrorKind::MinAboveMax);
    assert_eq!(position(&text, &e), (10, 13));
    let text = format!(
        "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nautoscale = {{ min = 0, max = 0 }}\n"
    );
    let e = single(&text, ErrorKind::MaxZero);
    assert_eq!(spanned(&text, &e), "0");
    assert_eq!(position(&text, &e), (10, 30));
    let text = format!(
        "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nautoscale = {{ max = 3 }}\n"
    );
    assert_eq!(kinds(&text), [ErrorKind::MissingKey]);
}

#[test]
fn a_pool_has_size_or_autoscale_exactly() {
    let text = format!(
        "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 3\nautoscale = {{ min = 0, max = 3 }}\n"
    );
    let e = single(&text, ErrorKind::SizeAndAutoscale);
    assert_eq!(position(&text, &e), (11, 13));
    let text = format!("{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\n");
    let e = single(&text, ErrorKind::NoScaling);
    assert_eq!(position(&text, &e), (7, 8));
}

#[test]
fn pool_names_follow_the_clusters_cloud() {
    let pools = "\n[pools.high-memory]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 1\n";
    // Fine on GKE and EKS, too long and hyphenated for AKS.
    ok(&format!("{GKE}{pools}"));
    ok(&format!("{}{pools}", cluster("eks")));
    let text = format!("{}{pools}", cluster("aks"));
    let e = single(&text, ErrorKind::InvalidPoolName);
    assert_eq!(spanned(&text, &e), "high-memory");
    assert_eq!(position(&text, &e), (7, 8));
    assert!(e.help_text().unwrap_or_default().contains("`highmemory`"));

    let text =
        format!("{GKE}\n[pools.High_Mem]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 1\n");
    single(&text, ErrorKind::InvalidPoolName);
    let text = format!(
        "{}\n[pools.\"-x\"]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 1\n",
        cluster("eks")
    );
    single(&text, ErrorKind::InvalidPoolName);
}

#[test]
fn node_counts_stay_within_the_clouds_bounds() {
    let pool = |scaling: &str| {
        format!("\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\n{scaling}\n")
    };
    // GKE counts per zone: two zones hold 2000 nodes.
    let zones = "zones = [\"europe-west1-b\", \"europe-west1-c\"]";
    ok(&format!(
        "{GKE}{}",
        pool(&format!("autoscale = {{ min = 0, max = 2000 }}\n{zones}"))
    ));
    let text = format!(
        "{GKE}{}",
        pool(&format!("autoscale = {{ min = 0, max = 2001 }}\n{zones}"))
    );
    let e = single(&text, ErrorKind::NodeCountOutOfRange);
    assert_eq!(position(&text, &e), (10, 13));
    // A zonal cluster's pool without zones has one zone.
    let zonal = GKE.replace("\"europe-west1\"", "\"europe-west1-b\"");
    single(
        &format!("{zonal}{}", pool("size = 1001")),
        ErrorKind::NodeCountOutOfRange,
    );
    // A regional cluster's zones are only known from the cloud: the planner checks.
    ok(&format!("{GKE}{}", pool("size = 1001")));

    ok(&format!("{}{}", cluster("aks"), pool("size = 1000")));
    single(
        &format!("{}{}", cluster("aks"), pool("size = 1001")),
        ErrorKind::NodeCountOutOfRange,
    );
    ok(&format!(
        "{}{}",
        cluster("eks"),
        pool("autoscale = { min = 0, max = 450 }")
    ));
    single(
        &format!(
            "{}{}",
            cluster("eks"),
            pool("autoscale = { min = 0, max = 451 }")
        ),
        ErrorKind::NodeCountOutOfRange,
    );
    single(
        &format!("{}{}", cluster("eks"), pool("size = 0")),
        ErrorKind::NodeCountOutOfRange,
    );
}

#[test]
fn an_aks_core_pool_keeps_a_node() {
    let text = format!(
        "{}\n[pools.system]\nclass = \"core\"\nmachine_type = \"m\"\nautoscale = {{ min = 0, max = 3 }}\n",
        cluster("aks")
    );
    single(&text, ErrorKind::NodeCountOutOfRange);
}

#[test]
fn disk_sizes_stay_within_the_clouds_bounds() {
    let text = format!("{GKE}\n[defaults]\ndisk_gb = 5\n\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 1\n");
    let e = single(&text, ErrorKind::DiskSizeOutOfRange);
    assert_eq!(position(&text, &e), (8, 11));
    ok(&text.replace("disk_gb = 5", "disk_gb = 10"));
    single(
        &text.replace("disk_gb = 5", "disk_gb = 65537"),
        ErrorKind::DiskSizeOutOfRange,
    );
}

#[test]
fn a_static_gke_size_divides_by_its_zones() {
    let text = format!(
        "{GKE}\n[pools.core]\nclass = \"core\"\nmachine_type = \"m\"\nsize = 4\n\
         zones = [\"europe-west1-b\", \"europe-west1-c\", \"europe-west1-d\"]\n"
    );
    let e = single(&text, ErrorKind::UnevenZones);
    assert_eq!(position(&text, &e), (10, 8));
    assert!(e.help_text().unwrap_or_default().contains("(3 or 6)"));
    ok(&text.replace("size = 4", "size = 6"));
    // AKS counts are totals across zones.
    let aks = format!(
        "{}\n[pools.core]\nclass = \"core\"\nmachine_type = \"m\"\nsize = 4\nzones = [\"1\", \"2\", \"3\"]\n",
        cluster("aks")
    );
    ok(&aks);
}

#[test]
fn zones_must_belong_to_the_cluster() {
    let text = format!(
        "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 1\n\
         zones = [\"us-east1-b\", \"europe-west1-b\", \"europe-west1-b\"]\n"
    );
    let all = errors(&text);
    let found: Vec<(ErrorKind, &str)> = all.iter().map(|d| (d.kind(), spanned(&text, d))).collect();
    assert_eq!(
        found,
        [
            (ErrorKind::InvalidZone, "\"us-east1-b\""),
            (ErrorKind::InvalidZone, "\"europe-west1-b\""),
        ]
    );
    assert_eq!(position(&text, &all[1]), (11, 42));
    let eks = format!(
        "{}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 1\nzones = [\"eu-west-1a\"]\n",
        cluster("eks")
    );
    single(&eks, ErrorKind::NotForProvider);
}

#[test]
fn core_pools_refuse_taints_even_from_defaults() {
    let text = format!(
        "{GKE}\n[pools.core]\nclass = \"core\"\nmachine_type = \"m\"\nsize = 1\ntaints = [\"a=b:NoSchedule\"]\n"
    );
    let e = single(&text, ErrorKind::CoreTainted);
    assert_eq!(position(&text, &e), (11, 11));

    let text = format!(
        "{GKE}\n[defaults]\ntaints = [\"a=b:NoSchedule\"]\n\n[pools.core]\nclass = \"core\"\nmachine_type = \"m\"\nsize = 1\n"
    );
    let e = single(&text, ErrorKind::CoreTainted);
    assert_eq!(position(&text, &e), (8, 11));
    assert!(e.help_text().unwrap_or_default().contains("taints = []"));
    // The way out: an empty list in the pool replaces the defaults.
    ok(&text.replace("size = 1\n", "size = 1\ntaints = []\n"));
}

#[test]
fn gpu_belongs_to_the_gpu_class_and_the_gpu_class_needs_it() {
    let text = format!(
        "{GKE}\n[pools.train]\nclass = \"gpu\"\nmachine_type = \"g2-standard-8\"\nautoscale = {{ min = 0, max = 2 }}\n"
    );
    let e = single(&text, ErrorKind::GpuMissing);
    assert_eq!(position(&text, &e), (7, 8));
    let text = format!(
        "{GKE}\n[pools.infer]\nclass = \"spot\"\nmachine_type = \"g2-standard-8\"\n\
         gpu = {{ type = \"nvidia-l4\", count = 1 }}\nautoscale = {{ min = 0, max = 2 }}\n"
    );
    let e = single(&text, ErrorKind::GpuOnNonGpuClass);
    assert_eq!(position(&text, &e), (10, 7));
    let text = format!(
        "{GKE}\n[pools.train]\nclass = \"gpu\"\nmachine_type = \"m\"\ngpu = {{ type = \"nvidia-l4\", count = 0 }}\nsize = 1\n"
    );
    single(&text, ErrorKind::InvalidValue);
}

#[test]
fn a_misspelt_key_is_one_error_not_two() {
    let text = format!(
        "{GKE}\n[pools.train]\nclass = \"gpu\"\nmachine_type = \"m\"\ngpus = {{ type = \"nvidia-l4\", count = 1 }}\nsizes = 1\n"
    );
    assert_eq!(kinds(&text), [ErrorKind::UnknownKey, ErrorKind::UnknownKey]);
}

#[test]
fn the_planner_checks_regional_gke_pools_against_the_clusters_zones() {
    let text = format!(
        "{GKE}\n[pools.core]\nclass = \"core\"\nmachine_type = \"m\"\nsize = 4\n\n\
         [pools.pinned]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 2\nzones = [\"europe-west1-b\"]\n"
    );
    let blueprint = ok(&text);
    let zones: Vec<String> = ["b", "c", "d"]
        .iter()
        .map(|z| format!("europe-west1-{z}"))
        .collect();
    let error = blueprint.check_cluster_zones(&zones).unwrap_err();
    let all = error.diagnostics();
    assert_eq!(all.len(), 1, "only the pool without its own zones");
    assert_eq!(all[0].kind(), ErrorKind::UnevenZones);
    assert_eq!(position(&text, &all[0]), (10, 8));
    assert!(render(&error).contains("blueprint.toml:10:8"));
    assert!(blueprint.check_cluster_zones(&zones[..2]).is_ok());
}

#[test]
fn provider_extras_must_match_the_cluster() {
    let text = format!(
        "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 1\n\n[pools.a.aks]\nos_sku = \"AzureLinux\"\n"
    );
    let e = single(&text, ErrorKind::ForeignProviderExtras);
    assert_eq!(spanned(&text, &e), "aks");
    assert_eq!(position(&text, &e), (12, 10));
    let text = format!(
        "{GKE}\n[pools.a]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 1\neks = {{ ami_type = \"AL2023_x86_64_STANDARD\" }}\n"
    );
    single(&text, ErrorKind::ForeignProviderExtras);
}

#[test]
fn every_error_of_a_file_is_collected_in_file_order() {
    let text = format!(
        "{GKE}\n[pools.highmem]\nclass = \"workload\"\nmachin_type = \"n2-highmem-16\"\n\
         autoscale = {{ min = 5, max = 2 }}\ntaints = [\"x=y:Never\"]\n"
    );
    let error = parse("blueprint.toml", &text).unwrap_err();
    assert_eq!(error.to_string(), "blueprint.toml has 3 errors");
    let found: Vec<ErrorKind> = error.diagnostics().iter().map(|d| d.kind()).collect();
    assert_eq!(
        found,
        [
            ErrorKind::UnknownKey,
            ErrorKind::MinAboveMax,
            ErrorKind::InvalidTaint
        ]
    );
    let related = miette::Diagnostic::related(&error).map_or(0, |r| r.count());
    assert_eq!(related, 3);
}

// --- defaults and classes --------------------------------------------------------------

#[test]
fn defaults_merge_into_every_pool_and_pool_values_win() {
    let text = format!(
        "{GKE}\n[defaults]\nmachine_type = \"e2-standard-4\"\ndisk_gb = 100\n\
         labels = {{ team = \"data\", tier = \"shared\" }}\ntaints = [\"shared=true:PreferNoSchedule\"]\n\
         zones = [\"europe-west1-b\"]\n\n\
         [pools.plain]\nclass = \"workload\"\nsize = 1\n\n\
         [pools.own]\nclass = \"workload\"\nmachine_type = \"n2-highmem-16\"\nsize = 2\ndisk_gb = 200\n\
         labels = {{ tier = \"highmem\" }}\ntaints = [\"high-memory=true:NoExecute\"]\n\
         zones = [\"europe-west1-c\", \"europe-west1-b\"]\n"
    );
    let blueprint = ok(&text);
    let plain = &pool(&blueprint, "plain").spec;
    assert_eq!(plain.machine_type, "e2-standard-4");
    assert_eq!(plain.disk_gb, Some(100));
    assert_eq!(plain.labels.get("team").map(String::as_str), Some("data"));
    assert_eq!(
        plain.taints,
        [Taint::new("shared", "true", Effect::PreferNoSchedule)]
    );
    assert_eq!(plain.zones, ["europe-west1-b"]);

    let own = &pool(&blueprint, "own").spec;
    assert_eq!(own.machine_type, "n2-highmem-16");
    assert_eq!(own.disk_gb, Some(200));
    // Labels merge per key; lists (taints, zones) replace, and come out sorted.
    let labels: Vec<(&str, &str)> = own
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(labels, [("team", "data"), ("tier", "highmem")]);
    assert_eq!(
        own.taints,
        [Taint::new("high-memory", "true", Effect::NoExecute)]
    );
    assert_eq!(own.zones, ["europe-west1-b", "europe-west1-c"]);
}

#[test]
fn gpu_pools_get_the_nvidia_taint() {
    let text = format!(
        "{GKE}\n[pools.gpu]\nclass = \"gpu\"\nmachine_type = \"g2-standard-8\"\n\
         gpu = {{ type = \"nvidia-l4\", count = 2 }}\nautoscale = {{ min = 0, max = 4 }}\n\
         taints = [\"nvidia.com/gpu=present:NoSchedule\", \"team=ml:NoSchedule\"]\n"
    );
    let blueprint = ok(&text);
    let gpu = pool(&blueprint, "gpu");
    assert_eq!(gpu.class, PoolClass::Gpu);
    assert_eq!(
        gpu.spec.gpu,
        Some(Gpu {
            kind: "nvidia-l4".into(),
            count: 2
        })
    );
    assert!(!gpu.spec.spot);
    // The user wrote the class taint too: it is kept once.
    assert_eq!(
        gpu.spec.taints,
        [
            Taint::new("nvidia.com/gpu", "present", Effect::NoSchedule),
            Taint::new("team", "ml", Effect::NoSchedule),
        ]
    );
    let clash = text.replace("nvidia.com/gpu=present", "nvidia.com/gpu=true");
    single(&clash, ErrorKind::InvalidTaint);
}

#[test]
fn spot_pools_get_spot_capacity_and_their_clouds_taint() {
    let pools = "\n[pools.batch]\nclass = \"spot\"\nmachine_type = \"m\"\nautoscale = { min = 0, max = 20 }\n";
    for (provider, key, value) in [
        ("gke", "cloud.google.com/gke-spot", "true"),
        ("aks", "kubernetes.azure.com/scalesetpriority", "spot"),
        ("eks", "eks.amazonaws.com/capacityType", "SPOT"),
    ] {
        let blueprint = ok(&format!("{}{pools}", cluster(provider)));
        let batch = pool(&blueprint, "batch");
        assert!(batch.spec.spot, "{provider}");
        assert_eq!(
            batch.spec.taints,
            [Taint::new(key, value, Effect::NoSchedule)],
            "{provider}"
        );
    }
}

#[test]
fn spot_is_a_capacity_of_workload_and_gpu_pools() {
    let text = format!(
        "{GKE}\n[pools.gpu]\nclass = \"gpu\"\nspot = true\nmachine_type = \"g2-standard-8\"\n\
         gpu = {{ type = \"nvidia-l4\", count = 1 }}\nautoscale = {{ min = 0, max = 4 }}\n\n\
         [pools.etl]\nclass = \"workload\"\nspot = true\nmachine_type = \"n2-standard-8\"\n\
         autoscale = {{ min = 0, max = 4 }}\n"
    );
    let blueprint = ok(&text);
    let gpu = pool(&blueprint, "gpu");
    assert!(gpu.spec.spot);
    assert_eq!(
        gpu.spec.taints,
        [
            Taint::new("cloud.google.com/gke-spot", "true", Effect::NoSchedule),
            Taint::new("nvidia.com/gpu", "present", Effect::NoSchedule),
        ]
    );
    let etl = pool(&blueprint, "etl");
    assert!(etl.spec.spot);
    assert_eq!(
        etl.spec.taints,
        [Taint::new(
            "cloud.google.com/gke-spot",
            "true",
            Effect::NoSchedule
        )]
    );
}

#[test]
fn a_core_pool_is_never_spot() {
    let text = format!(
        "{GKE}\n[pools.core]\nclass = \"core\"\nspot = true\nmachine_type = \"m\"\nsize = 3\n"
    );
    let e = single(&text, ErrorKind::CoreSpot);
    assert_eq!(spanned(&text, &e), "true");
    assert_eq!(position(&text, &e), (9, 8));
    let contradiction = format!(
        "{GKE}\n[pools.batch]\nclass = \"spot\"\nspot = false\nmachine_type = \"m\"\nsize = 3\n"
    );
    single(&contradiction, ErrorKind::InvalidValue);
    let gpu_on_spot_class = format!(
        "{GKE}\n[pools.batch]\nclass = \"spot\"\nmachine_type = \"m\"\nsize = 3\n\
         gpu = {{ type = \"nvidia-l4\", count = 1 }}\n"
    );
    let e = single(&gpu_on_spot_class, ErrorKind::GpuOnNonGpuClass);
    assert!(e.help_text().unwrap_or_default().contains("spot = true"));
    let old_word = format!(
        "{GKE}\n[pools.batch]\nclass = \"workload\"\npreemptible = true\nmachine_type = \"m\"\nsize = 3\n"
    );
    let e = single(&old_word, ErrorKind::UnknownKey);
    assert!(e.help_text().unwrap_or_default().contains("spot = true"));
}

#[test]
fn protect_is_kept_with_its_position() {
    let text = format!(
        "{GKE}\n[pools.core]\nclass = \"core\"\nprotect = true\nmachine_type = \"m\"\nsize = 3\n"
    );
    let blueprint = ok(&text);
    let core = pool(&blueprint, "core");
    assert!(core.protect);
    let at = |s: miette::SourceSpan| &text[s.offset()..s.offset() + s.len()];
    assert_eq!(core.spans.protect.map(at), Some("true"));
    single(
        &text.replace("protect = true", "protect = \"yes\""),
        ErrorKind::WrongType,
    );
}

#[test]
fn core_and_workload_pools_get_no_class_taint() {
    let text = format!(
        "{GKE}\n[pools.core]\nclass = \"core\"\nmachine_type = \"m\"\nsize = 2\n\n\
         [pools.work]\nclass = \"workload\"\nmachine_type = \"m\"\nsize = 1\n"
    );
    let blueprint = ok(&text);
    for p in &blueprint.pools {
        assert!(p.spec.taints.is_empty(), "{}", p.name);
        assert!(!p.spec.spot);
    }
}

// --- rendering and fixtures ------------------------------------------------------------

#[test]
fn rendered_errors_name_file_line_and_column_with_a_suggestion() {
    let text = format!(
        "{GKE}\n[pools.highmem]\nclass = \"workload\"\nmachine-type = \"n2-highmem-16\"\nautoscale = {{ min = 0, max = 10 }}\n"
    );
    let error = parse("file.toml", &text).unwrap_err();
    let out = render(&error);
    assert!(out.contains("file.toml has 1 error"), "{out}");
    assert!(out.contains("file.toml:9:1"), "{out}");
    assert!(out.contains("did you mean `machine_type`?"), "{out}");
    assert!(out.contains("machine-type = \"n2-highmem-16\""), "{out}");
}

#[test]
fn syntax_errors_render_with_their_position_too() {
    let text = format!("{GKE}\n[pools.highmem\nclass = \"workload\"\n");
    let out = render(&parse("blueprint.toml", &text).unwrap_err());
    assert!(out.contains("blueprint.toml:7:"), "{out}");
}

#[test]
fn fixtures_are_valid_or_fail_with_the_kinds_they_declare() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blueprints");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fixture directory") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        seen += 1;
        let text = std::fs::read_to_string(&path).expect("readable");
        let expected: Option<BTreeSet<&str>> = text
            .lines()
            .find_map(|l| l.strip_prefix("# expect:"))
            .map(|codes| codes.split(',').map(str::trim).collect());
        match (load(&path), expected) {
            (Ok(_), None) => {}
            (Err(e), Some(expected)) => {
                let found: BTreeSet<&str> =
                    e.diagnostics().iter().map(|d| d.kind().code()).collect();
                assert_eq!(found, expected, "{}\n{}", path.display(), render(&e));
            }
            (Ok(_), Some(expected)) => panic!("{} should fail with {expected:?}", path.display()),
            (Err(e), None) => panic!("{} should be valid:\n{}", path.display(), render(&e)),
        }
    }
    assert!(seen >= 10, "only {seen} fixtures found");
}

#[test]
fn the_analytics_fixture_becomes_the_expected_pools() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/blueprints/valid-gke-analytics.toml");
    let blueprint = load(&path).expect("valid");
    let summary: Vec<(&str, PoolClass, Scaling, usize)> = blueprint
        .pools
        .iter()
        .map(|p| (p.name.as_str(), p.class, p.spec.scaling, p.spec.zones.len()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "batch",
                PoolClass::Spot,
                Scaling::Autoscale { min: 0, max: 20 },
                3
            ),
            ("core", PoolClass::Core, Scaling::Fixed { nodes: 3 }, 3),
            (
                "gpu-l4",
                PoolClass::Gpu,
                Scaling::Autoscale { min: 0, max: 4 },
                2
            ),
            (
                "highmem",
                PoolClass::Workload,
                Scaling::Autoscale { min: 0, max: 10 },
                3
            ),
        ]
    );
    let batch = pool(&blueprint, "batch");
    assert_eq!(
        batch.spec.extras.get(&PoolField::ImageType),
        Some(&ExtraValue::Text("COS_CONTAINERD".into()))
    );
    let highmem = &pool(&blueprint, "highmem").spec;
    assert_eq!(
        highmem.labels.get("team").map(String::as_str),
        Some("pipelines")
    );
    assert_eq!(
        highmem
            .labels
            .get("acme.com/cost-center")
            .map(String::as_str),
        Some("analytics")
    );
}

fn aks_pool(name: &str, body: &str) -> String {
    format!("{}\n[pools.{name}]\n{body}\n", cluster("aks"))
}

#[test]
fn an_aks_cluster_is_found_by_subscription_and_resource_group() {
    let text = "[cluster]\nprovider = \"aks\"\nname = \"platform\"\n";
    let all = errors(text);
    let found: Vec<&str> = all.iter().map(|d| d.message()).collect();
    assert_eq!(
        found,
        [
            "an AKS [cluster] needs `subscription`",
            "an AKS [cluster] needs `resource_group`"
        ]
    );
    // Another cloud's way of naming a cluster is refused where it is written.
    let text = format!("{}project = \"acme\"\n", cluster("aks"));
    let e = single(&text, ErrorKind::NotForProvider);
    assert_eq!(spanned(&text, &e), "\"acme\"");
    assert!(e.help_text().unwrap_or_default().contains("subscription"));
    let text = format!("{GKE}resource_group = \"rg\"\n");
    let e = single(&text, ErrorKind::NotForProvider);
    assert_eq!(position(&text, &e), (6, 18));
    assert!(e.message().contains("an AKS setting, not one of GKE"));

    let blueprint = ok(&format!("{}location = \"westeurope\"\n", cluster("aks")));
    assert_eq!(blueprint.cluster.subscription.as_deref(), Some("0000"));
    assert_eq!(blueprint.cluster.resource_group.as_deref(), Some("rg"));
    assert!(blueprint.check_cluster_location(Some("westeurope")).is_ok());
    assert!(blueprint
        .check_cluster_location(Some("West Europe"))
        .is_ok());
    assert!(blueprint.check_cluster_location(None).is_ok());
    let err = blueprint
        .check_cluster_location(Some("northeurope"))
        .expect_err("another location");
    let e = &err.diagnostics()[0];
    assert_eq!(e.line_column(), (6, 12));
    assert!(
        e.message().contains("runs in `northeurope`"),
        "{}",
        e.message()
    );
}

#[test]
fn aks_modes_follow_the_class_unless_stated() {
    let text = format!(
        "{}\n[pools.system]\nclass = \"core\"\nmachine_type = \"Standard_D4s_v5\"\nsize = 2\n\n\
         [pools.jobs]\nclass = \"workload\"\nmachine_type = \"Standard_D8s_v5\"\nautoscale = {{ min = 0, max = 5 }}\n\n\
         [pools.control]\nclass = \"workload\"\nmachine_type = \"Standard_D4s_v5\"\nsize = 1\n\n[pools.control.aks]\nmode = \"System\"\nos_sku = \"AzureLinux\"\nmax_pods = 50\n",
        cluster("aks")
    );
    let blueprint = ok(&text);
    let mode = |name: &str| {
        pool(&blueprint, name)
            .spec
            .extras
            .get(&PoolField::Mode)
            .cloned()
    };
    assert_eq!(mode("system"), Some(ExtraValue::Text("System".into())));
    assert_eq!(mode("jobs"), Some(ExtraValue::Text("User".into())));
    assert_eq!(mode("control"), Some(ExtraValue::Text("System".into())));
    let control = &pool(&blueprint, "control").spec.extras;
    assert_eq!(
        control.get(&PoolField::OsSku),
        Some(&ExtraValue::Text("AzureLinux".into()))
    );
    assert_eq!(
        control.get(&PoolField::MaxPods),
        Some(&ExtraValue::Count(50))
    );
}

#[test]
fn aks_system_pools_are_on_demand_and_keep_a_node() {
    let text = aks_pool(
        "jobs",
        "class = \"workload\"\nmachine_type = \"Standard_D8s_v5\"\nspot = true\nautoscale = { min = 0, max = 5 }\n\n[pools.jobs.aks]\nmode = \"System\"",
    );
    let found = kinds(&text);
    assert_eq!(
        found,
        [ErrorKind::InvalidValue, ErrorKind::NodeCountOutOfRange]
    );
    let all = errors(&text);
    assert_eq!(spanned(&text, &all[0]), "true");
    assert!(all[0].message().contains("System pool cannot be spot"));
    assert_eq!(spanned(&text, &all[1]), "{ min = 0, max = 5 }");
}

#[test]
fn aks_settings_are_checked_where_they_are_written() {
    for (setting, message, help) in [
        (
            "os_sku = \"ubuntu\"",
            "unknown AKS OS SKU `ubuntu`",
            "AKS spells it `Ubuntu`",
        ),
        (
            "os_sku = \"CBLMariner\"",
            "unknown AKS OS SKU",
            "Azure Linux",
        ),
        (
            "os_sku = \"Windows2022\"",
            "unknown AKS OS SKU",
            "Windows pools",
        ),
        (
            "os_disk_type = \"ephemeral\"",
            "unknown AKS OS disk type",
            "`Ephemeral`",
        ),
        ("mode = \"Gateway\"", "unknown AKS pool mode", "egress"),
        (
            "max_pods = 400",
            "AKS allows 10 to 250 pods per node, not 400",
            "",
        ),
        (
            "vnet_subnet_id = \"nodes\"",
            "not the resource ID of a subnet",
            "az network vnet subnet show",
        ),
    ] {
        let text = aks_pool(
            "jobs",
            &format!("class = \"workload\"\nmachine_type = \"Standard_D8s_v5\"\nsize = 1\n\n[pools.jobs.aks]\n{setting}"),
        );
        let e = single(&text, ErrorKind::InvalidValue);
        assert_eq!(position(&text, &e).0, 13, "{setting}");
        assert!(e.message().contains(message), "{setting}: {}", e.message());
        assert!(
            e.help_text().unwrap_or_default().contains(help),
            "{setting}: {:?}",
            e.help_text()
        );
    }
    // Another cloud's settings are refused as a whole table, and unknown keys by name.
    let text = aks_pool(
        "jobs",
        "class = \"workload\"\nmachine_type = \"Standard_D8s_v5\"\nsize = 1\n\n[pools.jobs.aks]\nimage_type = \"COS_CONTAINERD\"",
    );
    let e = single(&text, ErrorKind::UnknownKey);
    assert!(
        e.help_text().unwrap_or_default().contains("os_sku"),
        "{:?}",
        e.help_text()
    );
}

#[test]
fn aks_gpus_come_with_the_vm_size() {
    let gpu_pool = |machine: &str, gpu: &str| {
        aks_pool(
            "gpu",
            &format!("class = \"gpu\"\nmachine_type = \"{machine}\"\nautoscale = {{ min = 0, max = 2 }}\ngpu = {gpu}"),
        )
    };
    let blueprint = ok(&gpu_pool(
        "Standard_NC4as_T4_v3",
        "{ type = \"nvidia-t4\", count = 1 }",
    ));
    assert_eq!(
        pool(&blueprint, "gpu").spec.gpu,
        Some(Gpu {
            kind: "nvidia-t4".into(),
            count: 1
        })
    );
    let text = gpu_pool(
        "Standard_NC4as_T4_v3",
        "{ type = \"nvidia-t4\", count = 2 }",
    );
    let e = single(&text, ErrorKind::InvalidValue);
    assert!(
        e.message().contains("has 1 nvidia-t4 GPU, not 2 nvidia-t4"),
        "{}",
        e.message()
    );
    let text = gpu_pool("Standard_D8s_v5", "{ type = \"nvidia-t4\", count = 1 }");
    let e = single(&text, ErrorKind::InvalidValue);
    assert_eq!(spanned(&text, &e), "\"Standard_D8s_v5\"");
    assert!(e
        .help_text()
        .unwrap_or_default()
        .contains("Standard_NC4as_T4_v3"));
    // A GPU VM size outside the gpu class would put expensive nodes up for any pod.
    let text = aks_pool(
        "jobs",
        "class = \"workload\"\nmachine_type = \"Standard_NC6s_v3\"\nsize = 1",
    );
    let e = single(&text, ErrorKind::GpuOnNonGpuClass);
    assert!(e.help_text().unwrap_or_default().contains("nvidia-v100"));
}

// ---- EKS node groups ----

fn eks_pool(name: &str, body: &str) -> String {
    format!("\n[pools.{name}]\n{body}\n")
}

fn pool_named<'a>(blueprint: &'a Blueprint, name: &str) -> &'a PoolConfig {
    blueprint
        .pools
        .iter()
        .find(|p| p.name == name)
        .expect("pool exists")
}

#[test]
fn eks_groups_take_the_cluster_settings_and_an_ami_that_fits() {
    let text = format!(
        "{}{}{}{}",
        cluster("eks"),
        eks_pool("core", "class = \"core\"\nmachine_type = \"m6i.xlarge\"\nsize = 2"),
        eks_pool(
            "gpu",
            "class = \"gpu\"\nmachine_type = \"g5.2xlarge\"\ngpu = { type = \"nvidia-a10g\", count = 1 }\nautoscale = { min = 0, max = 4 }\nlabels = { accel = \"a10g\" }"
        ),
        eks_pool(
            "arm",
            "class = \"workload\"\nmachine_type = \"m7g.xlarge\"\nautoscale = { min = 1, max = 4 }\n\n[pools.arm.eks]\nsubnets = [\"subnet-0f0f0f0f\"]"
        ),
    );
    let blueprint = ok(&text);
    let core = &pool_named(&blueprint, "core").spec;
    assert_eq!(
        core.extras.get(&PoolField::Subnets),
        Some(&ExtraValue::List(vec!["subnet-0a1b2c3d".into()]))
    );
    assert_eq!(
        core.extras.get(&PoolField::AmiType),
        Some(&ExtraValue::Text("AL2023_x86_64_STANDARD".into()))
    );
    assert_eq!(
        core.extras.get(&PoolField::InstanceTypes),
        Some(&ExtraValue::List(vec!["m6i.xlarge".into()]))
    );
    let gpu = &pool_named(&blueprint, "gpu").spec;
    assert_eq!(
        gpu.extras.get(&PoolField::AmiType),
        Some(&ExtraValue::Text("AL2023_x86_64_NVIDIA".into()))
    );
    // A pool that scales from zero describes its nodes to Cluster Autoscaler in tags.
    let prefix = "k8s.io/cluster-autoscaler/node-template/";
    assert_eq!(
        gpu.tags
            .get(&format!("{prefix}label/accel"))
            .map(String::as_str),
        Some("a10g")
    );
    assert_eq!(
        gpu.tags
            .get(&format!("{prefix}taint/nvidia.com/gpu"))
            .map(String::as_str),
        Some("present:NoSchedule")
    );
    assert_eq!(
        gpu.tags
            .get(&format!("{prefix}resources/nvidia.com/gpu"))
            .map(String::as_str),
        Some("1")
    );
    let arm = &pool_named(&blueprint, "arm").spec;
    assert_eq!(
        arm.extras.get(&PoolField::AmiType),
        Some(&ExtraValue::Text("AL2023_ARM_64_STANDARD".into()))
    );
    // The pool's own subnets win over [cluster.eks]; a pool that keeps a node needs no tags.
    assert_eq!(
        arm.extras.get(&PoolField::Subnets),
        Some(&ExtraValue::List(vec!["subnet-0f0f0f0f".into()]))
    );
    assert!(arm.tags.is_empty(), "{:?}", arm.tags);
    assert!(core.tags.is_empty());
    assert_eq!(blueprint.cluster.location, None);
}

#[test]
fn eks_instance_types_stand_for_the_machine_type() {
    let text = format!(
        "{}{}",
        cluster("eks"),
        eks_pool(
            "spot",
            "class = \"spot\"\nautoscale = { min = 0, max = 9 }\n\n[pools.spot.eks]\ninstance_types = [\"m6i.large\", \"m5.large\"]\nlaunch_template = { name = \"spot-nodes\", version = \"3\" }"
        )
    );
    let spot = pool_named(&ok(&text), "spot").spec.clone();
    assert_eq!(spot.machine_type, "m6i.large");
    assert_eq!(
        spot.extras.get(&PoolField::InstanceTypes),
        Some(&ExtraValue::List(vec![
            "m6i.large".into(),
            "m5.large".into()
        ]))
    );
    assert_eq!(
        spot.extras.get(&PoolField::LaunchTemplateName),
        Some(&ExtraValue::Text("spot-nodes".into()))
    );
    assert_eq!(
        spot.extras.get(&PoolField::LaunchTemplateVersion),
        Some(&ExtraValue::Text("3".into()))
    );
    // A launch template may carry its own AMI: no AMI type is implied.
    assert_eq!(spot.extras.get(&PoolField::AmiType), None);
    assert!(spot.spot);
}

#[test]
fn eks_mistakes_are_reported_where_they_stand() {
    let eks = cluster("eks");
    let bare = "[cluster]\nprovider = \"eks\"\nname = \"platform\"\n";
    let cases: Vec<(String, ErrorKind, &str)> = vec![
        (
            format!("{bare}{}", eks_pool("a", "class = \"workload\"\nmachine_type = \"m6i.large\"\nsize = 1")),
            ErrorKind::MissingKey,
            "a",
        ),
        (
            format!("{bare}\n[cluster.eks]\nsubnets = [\"subnet-0a1b2c3d\"]\nnode_role = \"eks-nodes\"\n"),
            ErrorKind::InvalidValue,
            "\"eks-nodes\"",
        ),
        (
            format!("{eks}{}", eks_pool("a", "class = \"workload\"\nsize = 1\n\n[pools.a.eks]\ninstance_types = [\"m7g.large\", \"m6i.large\"]")),
            ErrorKind::InvalidValue,
            "[\"m7g.large\", \"m6i.large\"]",
        ),
        (
            format!("{eks}{}", eks_pool("a", "class = \"workload\"\nmachine_type = \"m6i.large\"\nsize = 1\n\n[pools.a.eks]\ninstance_types = [\"m5.large\", \"m6i.large\"]")),
            ErrorKind::InvalidValue,
            "\"m6i.large\"",
        ),
        (
            format!("{eks}{}", eks_pool("g", "class = \"gpu\"\nmachine_type = \"g5.xlarge\"\ngpu = { type = \"nvidia-l4\", count = 1 }\nautoscale = { min = 0, max = 2 }")),
            ErrorKind::InvalidValue,
            "\"nvidia-l4\", count = 1",
        ),
        (
            format!("{eks}{}", eks_pool("g", "class = \"gpu\"\nmachine_type = \"x9.xlarge\"\ngpu = { type = \"nvidia-l4\", count = 1 }\nautoscale = { min = 0, max = 2 }")),
            ErrorKind::InvalidValue,
            "\"x9.xlarge\"",
        ),
        (
            format!("{eks}{}", eks_pool("w", "class = \"workload\"\nmachine_type = \"g6.xlarge\"\nsize = 1")),
            ErrorKind::GpuOnNonGpuClass,
            "\"g6.xlarge\"",
        ),
        (
            format!("{eks}{}", eks_pool("w", "class = \"workload\"\nmachine_type = \"m6i.large\"\nsize = 1\ndisk_gb = 50\n\n[pools.w.eks]\nlaunch_template = { id = \"lt-0123456789abcdef0\" }")),
            ErrorKind::InvalidValue,
            "50",
        ),
        (
            format!("{eks}{}", eks_pool("w", "class = \"workload\"\nmachine_type = \"m6i.large\"\nsize = 1\n\n[pools.w.eks]\nlaunch_template = { id = \"lt-0123456789abcdef0\", name = \"x-nodes\" }")),
            ErrorKind::InvalidValue,
            "\"x-nodes\"",
        ),
        (
            format!("{eks}{}", eks_pool("w", "class = \"workload\"\nmachine_type = \"m6i.large\"\nsize = 1\n\n[pools.w.eks]\nami_type = \"AL2023_ARM_64_STANDARD\"")),
            ErrorKind::InvalidValue,
            "\"AL2023_ARM_64_STANDARD\"",
        ),
        (
            format!("{eks}{}", eks_pool("g", "class = \"gpu\"\nmachine_type = \"g5.xlarge\"\ngpu = { type = \"nvidia-a10g\", count = 1 }\nautoscale = { min = 0, max = 2 }\n\n[pools.g.eks]\nami_type = \"AL2023_x86_64_STANDARD\"")),
            ErrorKind::InvalidValue,
            "\"AL2023_x86_64_STANDARD\"",
        ),
        (
            format!("{eks}{}", eks_pool("w", "class = \"workload\"\nmachine_type = \"m6i.large\"\nsize = 1\n\n[pools.w.eks]\nlaunch_template = { name = \"nodes\", version = \"$Latest\" }")),
            ErrorKind::InvalidValue,
            "\"$Latest\"",
        ),
        (
            format!("{eks}{}", eks_pool("w", "class = \"workload\"\nmachine_type = \"m6i.large\"\nsize = 1\nlabels = { spot = \"\" }")),
            ErrorKind::InvalidLabel,
            "\"\"",
        ),
        (
            format!("{eks}{}", eks_pool("w", "class = \"workload\"\nmachine_type = \"m6i.large\"\nsize = 1\ntaints = [\"workloads.data-platform.example.com/dedicated-to-batch-and-etl-jobs=yes:NoSchedule\"]")),
            ErrorKind::InvalidTaint,
            "\"workloads.data-platform.example.com/dedicated-to-batch-and-etl-jobs=yes:NoSchedule\"",
        ),
        (
            format!("{GKE}region = \"eu-west-1\"\n"),
            ErrorKind::NotForProvider,
            "\"eu-west-1\"",
        ),
        (
            "[cluster]\nprovider = \"eks\"\nname = \"p\"\nregion = \"eu-west-1\"\nlocation = \"eu-west-1\"\n".to_string(),
            ErrorKind::InvalidValue,
            "\"eu-west-1\"",
        ),
        (
            "[cluster]\nprovider = \"eks\"\nname = \"p\"\nproject = \"acme\"\n".to_string(),
            ErrorKind::NotForProvider,
            "\"acme\"",
        ),
        (
            format!("{GKE}\n[cluster.eks]\nnode_role = \"arn:aws:iam::123456789012:role/nodes\"\n"),
            ErrorKind::ForeignProviderExtras,
            "eks",
        ),
        (
            format!("{bare}\n[cluster.eks]\nami_type = \"AL2023_x86_64_STANDARD\"\n"),
            ErrorKind::UnknownKey,
            "ami_type",
        ),
    ];
    for (text, kind, at) in cases {
        let e = single(&text, kind);
        assert_eq!(spanned(&text, &e), at, "{}\n{text}", e.message());
    }
}

#[test]
fn eks_autoscaler_tags_must_fit_in_eks_tags() {
    // A key EKS takes at all fits in a tag: only the number of tags can overflow.
    let long_key = format!("platform.team.example.com/{}", "n".repeat(63));
    let text = format!(
        "{}{}",
        cluster("eks"),
        eks_pool(
            "jobs",
            &format!("class = \"workload\"\nmachine_type = \"m6i.large\"\nautoscale = {{ min = 0, max = 3 }}\nlabels = {{ \"{long_key}\" = \"x\" }}")
        )
    );
    let e = single(&text, ErrorKind::InvalidLabel);
    assert_eq!(spanned(&text, &e), format!("\"{long_key}\""));

    let many: Vec<String> = (0..47).map(|i| format!("l{i} = \"v\"")).collect();
    let text = format!(
        "{}{}",
        cluster("eks"),
        eks_pool(
            "jobs",
            &format!("class = \"workload\"\nmachine_type = \"m6i.large\"\nautoscale = {{ min = 0, max = 3 }}\nlabels = {{ {} }}", many.join(", "))
        )
    );
    let e = single(&text, ErrorKind::InvalidValue);
    assert!(
        e.message().contains("47 Cluster Autoscaler tags"),
        "{}",
        e.message()
    );
}
