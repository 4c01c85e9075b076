//! The layer rule, checked over the source: no two files import each other
//! (directly or round a longer circle), and every import points down the
//! layers (`docs/architecture.md`):
//!
//! ```text
//! model, error  <  server  <  api  <  components  <  pages  <  the app root (lib.rs)
//! ```
//!
//! The binary (`server/src`) sits on top of `app`: it may use the app's
//! root, `model`, `error` and `server`, never its server functions
//! (`app::api`) or its views.
//!
//! Imports are read with `syn`: every `use` item (at any depth) and every
//! path written out in code (`crate::server::db::tasks::create(..)`), so an
//! import cannot hide inside a function body. What sits inside a macro
//! call (a `view!`) is not parsed; it names components, which are checked
//! through their `use` lines.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
    path::{Path, PathBuf},
};

use syn::visit::Visit;

/// The workspace root (this file is `app/tests/layers.rs`).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("app has a parent").to_path_buf()
}

/// One crate's source: its files by module path (`["server", "db",
/// "tasks"]` for `server/db/tasks.rs`; the root is `[]`), and what each
/// file re-exports, so that a name reached through a parent's `pub use`
/// counts as an import of the file that defines it.
struct Source {
    files: BTreeMap<Vec<String>, PathBuf>,
    exports: BTreeMap<Vec<String>, Exports>,
}

/// A file's top-level names: those it defines, those it re-exports by
/// name (to their absolute paths) and the modules it re-exports whole.
#[derive(Default)]
struct Exports {
    defined: BTreeSet<String>,
    named: BTreeMap<String, Vec<String>>,
    globs: Vec<Vec<String>>,
}

impl Source {
    /// Every `.rs` file under `dir` but `skip` (a second crate root, such
    /// as the binary's `main.rs`).
    fn read(dir: &Path, skip: &[&str]) -> Self {
        let mut files = BTreeMap::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(next) = pending.pop() {
            for entry in std::fs::read_dir(&next).expect("source directory reads") {
                let path = entry.expect("directory entry reads").path();
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                if path.extension().is_none_or(|ext| ext != "rs") {
                    continue;
                }
                let relative = path.strip_prefix(dir).expect("under the source directory");
                if skip.iter().any(|skipped| relative == Path::new(skipped)) {
                    continue;
                }
                let mut module: Vec<String> =
                    relative.with_extension("").iter().map(|part| part.to_string_lossy().into_owned()).collect();
                if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                    module.pop();
                }
                files.insert(module, path);
            }
        }
        let mut source = Self { files, exports: BTreeMap::new() };
        let mut all = BTreeMap::new();
        for (module, path) in &source.files {
            let file = parse(path);
            let mut exports = Exports::default();
            for item in &file.items {
                let ident = match item {
                    syn::Item::Fn(item) => Some(&item.sig.ident),
                    syn::Item::Struct(item) => Some(&item.ident),
                    syn::Item::Enum(item) => Some(&item.ident),
                    syn::Item::Trait(item) => Some(&item.ident),
                    syn::Item::Type(item) => Some(&item.ident),
                    syn::Item::Const(item) => Some(&item.ident),
                    syn::Item::Static(item) => Some(&item.ident),
                    syn::Item::Mod(item) => Some(&item.ident),
                    syn::Item::Macro(item) => item.ident.as_ref(),
                    syn::Item::Use(item) if matches!(item.vis, syn::Visibility::Public(_)) => {
                        let mut names = Imports::new(&source, None, module.clone());
                        names.use_tree(&mut Vec::new(), &item.tree);
                        for (alias, target) in names.aliases {
                            match alias {
                                Some(alias) => {
                                    exports.named.insert(alias, target);
                                }
                                None => exports.globs.push(target),
                            }
                        }
                        None
                    }
                    _ => None,
                };
                if let Some(ident) = ident {
                    exports.defined.insert(ident.to_string());
                }
            }
            all.insert(module.clone(), exports);
        }
        source.exports = all;
        source
    }

    /// The file that defines the item at the absolute `path`: the file of
    /// its longest prefix that is a file module, or, when that file only
    /// re-exports the next name, the file it comes from.
    fn file_of(&self, path: &[String]) -> Vec<String> {
        self.resolve(path, 0).unwrap_or_default()
    }

    fn resolve(&self, path: &[String], depth: usize) -> Option<Vec<String>> {
        let module =
            (0..=path.len()).rev().map(|len| path[..len].to_vec()).find(|prefix| self.files.contains_key(prefix))?;
        let (Some(name), Some(exports)) = (path.get(module.len()), self.exports.get(&module)) else {
            return Some(module);
        };
        if depth > 8 || exports.defined.contains(name) {
            return Some(module);
        }
        let rest = &path[module.len() + 1..];
        if let Some(target) = exports.named.get(name) {
            return self.resolve(&[target.clone(), rest.to_vec()].concat(), depth + 1).or(Some(module));
        }
        for glob in &exports.globs {
            let candidate = [glob.clone(), path[module.len()..].to_vec()].concat();
            if let Some(found) = self.resolve(&candidate, depth + 1)
                && self.exports.get(&found).is_some_and(|exports| exports.defined.contains(name))
            {
                return Some(found);
            }
        }
        Some(module)
    }
}

fn parse(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path).expect("source file reads");
    syn::parse_file(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The absolute paths one file names, by walking its syntax tree.
struct Imports<'a> {
    source: &'a Source,
    /// The crate name that refers to the other crate (`app` from the
    /// binary), whose paths are collected apart.
    external: Option<&'a str>,
    /// The module the walk is in: the file's, then any inline `mod`.
    module: Vec<String>,
    local: BTreeSet<Vec<String>>,
    external_paths: BTreeSet<Vec<String>>,
    /// Each `use`d name of the crate's own: the name it is known by here
    /// (`None` for a glob) and its absolute path.
    aliases: Vec<(Option<String>, Vec<String>)>,
}

impl<'a> Imports<'a> {
    fn new(source: &'a Source, external: Option<&'a str>, module: Vec<String>) -> Self {
        Self { source, external, module, local: BTreeSet::new(), external_paths: BTreeSet::new(), aliases: Vec::new() }
    }

    /// Records `segments`, written in the walk's current module, and
    /// returns its absolute path when it is the crate's own.
    fn name(&mut self, segments: Vec<String>) -> Option<Vec<String>> {
        let first = segments.first()?;
        let absolute = match first.as_str() {
            "crate" => segments[1..].to_vec(),
            "self" => [self.module.clone(), segments[1..].to_vec()].concat(),
            "super" => {
                let mut base = self.module.clone();
                let mut rest = &segments[..];
                while rest.first().map(String::as_str) == Some("super") {
                    base.pop();
                    rest = &rest[1..];
                }
                [base, rest.to_vec()].concat()
            }
            name if Some(name) == self.external => {
                self.external_paths.insert(segments[1..].to_vec());
                return None;
            }
            // A child module named without `self::` (Rust 2018 paths).
            name => {
                let child = [self.module.clone(), vec![name.to_owned()]].concat();
                if !self.source.files.contains_key(&child) {
                    return None;
                }
                [self.module.clone(), segments].concat()
            }
        };
        self.local.insert(absolute.clone());
        Some(absolute)
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.use_tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                if let Some(path) = self.name([prefix.clone(), vec![name.ident.to_string()]].concat()) {
                    self.aliases.push((Some(name.ident.to_string()), path));
                }
            }
            syn::UseTree::Rename(rename) => {
                if let Some(path) = self.name([prefix.clone(), vec![rename.ident.to_string()]].concat()) {
                    self.aliases.push((Some(rename.rename.to_string()), path));
                }
            }
            syn::UseTree::Glob(_) => {
                if let Some(path) = self.name(prefix.clone()) {
                    self.aliases.push((None, path));
                }
            }
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Imports<'_> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if item.content.is_some() {
            self.module.push(item.ident.to_string());
            syn::visit::visit_item_mod(self, item);
            self.module.pop();
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.segments.len() > 1 {
            let first = path.segments[0].ident.to_string();
            if matches!(first.as_str(), "crate" | "super" | "self") || Some(first.as_str()) == self.external {
                self.name(path.segments.iter().map(|segment| segment.ident.to_string()).collect());
            }
        }
        syn::visit::visit_path(self, path);
    }
}

/// Each file's imports: the files of its own crate it uses (not itself),
/// and the paths it names in `external`.
type Graph = BTreeMap<Vec<String>, (BTreeSet<Vec<String>>, BTreeSet<Vec<String>>)>;

fn graph(source: &Source, external: Option<&str>) -> Graph {
    let mut graph = Graph::new();
    for (module, path) in &source.files {
        let mut imports = Imports::new(source, external, module.clone());
        imports.visit_file(&parse(path));
        let files = imports.local.iter().map(|path| source.file_of(path)).filter(|file| file != module).collect();
        graph.insert(module.clone(), (files, imports.external_paths));
    }
    graph
}

/// The strongly connected components of more than one file (Tarjan).
fn circles(graph: &Graph) -> Vec<Vec<Vec<String>>> {
    struct Walk<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g Vec<String>, usize>,
        low: BTreeMap<&'g Vec<String>, usize>,
        stack: Vec<&'g Vec<String>>,
        on_stack: BTreeSet<&'g Vec<String>>,
        found: Vec<Vec<Vec<String>>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, node: &'g Vec<String>) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.graph.get(node).map(|(files, _)| files.iter()).into_iter().flatten() {
                let Some((next, _)) = self.graph.get_key_value(next) else { continue };
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member.clone());
                    if member == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node) {
            walk.visit(node);
        }
    }
    walk.found
}

/// The app's layer of a module: its first segment's rank (higher calls
/// lower).
fn layer(module: &[String]) -> usize {
    match module.first().map(String::as_str) {
        Some("model" | "error") => 0,
        Some("server") => 1,
        Some("api") => 2,
        Some("components") => 3,
        Some("pages") => 4,
        _ => 5,
    }
}

fn shown(module: &[String]) -> String {
    if module.is_empty() { "(root)".to_owned() } else { module.join("::") }
}

fn report_circles(name: &str, graph: &Graph, problems: &mut String) {
    for circle in circles(graph) {
        let files: Vec<String> = circle.iter().map(|module| shown(module)).collect();
        writeln!(problems, "{name}: files import each other: {}", files.join(", ")).unwrap();
        for module in &circle {
            let inside: Vec<String> =
                graph[module].0.iter().filter(|file| circle.contains(file)).map(|file| shown(file)).collect();
            writeln!(problems, "    {} imports {}", shown(module), inside.join(", ")).unwrap();
        }
    }
}

#[test]
fn the_app_has_no_import_circles_and_calls_downwards_only() {
    let source = Source::read(&workspace().join("app/src"), &[]);
    let graph = graph(&source, None);
    let mut problems = String::new();
    report_circles("app", &graph, &mut problems);
    for (module, (files, _)) in &graph {
        for file in files {
            if layer(file) > layer(module) {
                writeln!(problems, "app: {} (a lower layer) imports {}", shown(module), shown(file)).unwrap();
            }
        }
    }
    assert!(problems.is_empty(), "\n{problems}");
}

#[test]
fn the_binary_has_no_import_circles_and_uses_no_server_function_or_view() {
    let source = Source::read(&workspace().join("server/src"), &["main.rs"]);
    let graph = graph(&source, Some("app"));
    let mut problems = String::new();
    report_circles("server", &graph, &mut problems);
    for (module, (_, external)) in &graph {
        for path in external {
            if matches!(path.first().map(String::as_str), Some("api" | "components" | "pages")) {
                writeln!(problems, "server: {} uses app::{}", shown(module), path.join("::")).unwrap();
            }
        }
    }
    assert!(problems.is_empty(), "\n{problems}");
}

/// The check itself finds what it is for: a made-up graph with a circle
/// and one without.
#[test]
fn the_check_finds_a_circle() {
    let module = |name: &str| vec![name.to_owned()];
    let mut graph = Graph::new();
    graph.insert(module("a"), ([module("b")].into(), BTreeSet::new()));
    graph.insert(module("b"), ([module("c")].into(), BTreeSet::new()));
    graph.insert(module("c"), ([module("a")].into(), BTreeSet::new()));
    graph.insert(module("d"), ([module("a")].into(), BTreeSet::new()));
    assert_eq!(circles(&graph), vec![vec![module("a"), module("b"), module("c")]]);
    graph.insert(module("c"), (BTreeSet::new(), BTreeSet::new()));
    assert!(circles(&graph).is_empty());
}
