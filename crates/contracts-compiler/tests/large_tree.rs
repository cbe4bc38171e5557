//! A real-world-size generated BAML tree: 20 files, 320 classes, 48 enums,
//! `@alias` everywhere, maps, unions, optional lists, functions with prompts,
//! clients, tests. It must load, with exact counts. The parse time is printed,
//! never asserted (`cargo test --release -p contracts-compiler --test
//! large_tree -- --nocapture` to see it).
//!
//! Set `LARGE_TREE_KEEP=1` to keep the generated `baml_src` folder (its path is
//! printed) and check it with `baml-cli check --from <path>`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

const FILES: usize = 20;
const CLASSES_PER_FILE: usize = 16;
const ENUMS_PER_FILE: usize = 2;
const ENUM_EXTRA: usize = 8;
const FUNCTIONS_PER_FILE: usize = 2;

fn generate() -> (PathBuf, usize) {
    let dir = std::env::temp_dir()
        .join(format!("contracts-large-tree-{}", std::process::id()))
        .join("baml_src");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("types")).unwrap();
    let mut aliases = 0;
    std::fs::write(
        dir.join("clients.baml"),
        r#"retry_policy Retry {
  max_retries 2
  strategy {
    type exponential_backoff
    delay_ms 300
  }
}

client<llm> Main {
  provider "openai-generic"
  retry_policy Retry
  options {
    base_url env.LLM_BASE_URL
    api_key env.LLM_API_KEY
    model "gpt-4o-mini"
  }
}

generator py {
  output_type "python/pydantic"
  output_dir "../out"
  version "0.220.0"
}
"#,
    )
    .unwrap();
    // One extra file of enums so the total is 48.
    let mut extra = String::new();
    for e in 0..ENUM_EXTRA {
        write_enum(&mut extra, &format!("Extra{e}"));
    }
    std::fs::write(dir.join("types/extra_enums.baml"), extra).unwrap();
    for f in 0..FILES {
        let mut text = format!("// Generated module {f}.\n\n");
        for e in 0..ENUMS_PER_FILE {
            write_enum(&mut text, &format!("M{f}Enum{e}"));
        }
        for c in 0..CLASSES_PER_FILE {
            let name = format!("M{f}C{c}");
            let prev = if c == 0 {
                format!("Extra{}", f % ENUM_EXTRA)
            } else {
                format!("M{f}C{}", c - 1)
            };
            let other_file = format!("M{}C{c}", (f + 1) % FILES);
            writeln!(text, "/// Class {name}.\nclass {name} {{").unwrap();
            writeln!(
                text,
                "  id string @alias(\"{name}_id\") @description(\"Identifier of {name}\")"
            )
            .unwrap();
            writeln!(text, "  count int? @alias(\"n\")").unwrap();
            writeln!(
                text,
                "  score float @alias(\"s\") @assert(non_negative, {{{{ this >= 0 }}}})"
            )
            .unwrap();
            writeln!(text, "  kind M{f}Enum{} @alias(\"k\")", c % ENUMS_PER_FILE).unwrap();
            writeln!(text, "  tags string[]? @alias(\"t\")").unwrap();
            writeln!(text, "  attributes map<string, string> @alias(\"attrs\")").unwrap();
            writeln!(text, "  by_kind map<M{f}Enum0, int[]>? @alias(\"bk\")").unwrap();
            writeln!(text, "  previous {prev}? @alias(\"prev\")").unwrap();
            writeln!(
                text,
                "  neighbours ({other_file} | {prev})[]? @alias(\"nb\")"
            )
            .unwrap();
            writeln!(text, "  status \"open\" | \"closed\" | null @alias(\"st\")").unwrap();
            writeln!(
                text,
                "  notes string? @alias(\"notes\") @description(#\"\n    Free text.\n  \"#)"
            )
            .unwrap();
            writeln!(text, "  @@alias(\"{}\")\n}}\n", name.to_lowercase()).unwrap();
        }
        writeln!(text, "type M{f}Any = M{f}C0 | M{f}C1 | M{f}C2[]\n").unwrap();
        aliases += 1;
        std::fs::write(dir.join(format!("types/module_{f:02}.baml")), text).unwrap();
    }
    let mut functions = String::new();
    let mut tests = String::new();
    for f in 0..FILES {
        for k in 0..FUNCTIONS_PER_FILE {
            let name = format!("Extract{f}x{k}");
            writeln!(
                functions,
                "function {name}(text: string, hints: M{f}C{k}[]?) -> M{f}C{} | null {{\n  client Main\n  prompt #\"\n    {{{{ _.role(\"user\") }}}}\n    Extract from {{{{ text }}}} {{ braces }} \"quoted\".\n    {{{{ ctx.output_format }}}}\n  \"#\n}}\n",
                k + 2
            )
            .unwrap();
            writeln!(
                tests,
                "test {name}Works {{\n  functions [{name}]\n  args {{\n    text \"hello\"\n  }}\n  @@assert({{{{ this is not none }}}})\n}}\n"
            )
            .unwrap();
        }
    }
    std::fs::write(dir.join("functions.baml"), functions).unwrap();
    std::fs::write(dir.join("tests.baml"), tests).unwrap();
    (dir, aliases)
}

fn write_enum(text: &mut String, name: &str) {
    writeln!(text, "enum {name} {{").unwrap();
    for v in 0..6 {
        writeln!(text, "  V{v} @alias(\"v{v}\") @description(\"Value {v}\")").unwrap();
    }
    writeln!(text, "  @@alias(\"{}\")\n}}\n", name.to_lowercase()).unwrap();
}

#[test]
fn a_real_world_size_tree_loads_with_exact_counts() {
    let (dir, aliases) = generate();
    let files = std::fs::read_dir(dir.join("types")).unwrap().count() + 3;
    assert!(files >= 20, "{files} files");
    let start = Instant::now();
    let ir = contracts_compiler::load_dir(&dir).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let elapsed = start.elapsed();
    println!(
        "parsed {files} files ({} classes, {} enums) in {elapsed:?} (debug builds are much slower than release)",
        ir.classes.len(),
        ir.enums.len()
    );
    assert_eq!(ir.classes.len(), FILES * CLASSES_PER_FILE);
    assert_eq!(ir.enums.len(), FILES * ENUMS_PER_FILE + ENUM_EXTRA);
    assert_eq!(ir.type_aliases.len(), aliases);
    assert_eq!(ir.functions.len(), FILES * FUNCTIONS_PER_FILE);
    assert!(ir.classes.len() >= 300 && ir.enums.len() >= 40);
    for class in &ir.classes {
        assert_eq!(class.fields.len(), 11, "{}", class.name);
        assert!(class.alias.is_some(), "{}", class.name);
        assert!(
            class.fields.iter().all(|f| f.alias.is_some()),
            "{}",
            class.name
        );
        assert_eq!(class.fields[2].constraints.len(), 1);
        assert_eq!(class.fields[10].description.as_deref(), Some("Free text."));
    }
    assert!(ir
        .enums
        .iter()
        .all(|e| e.values.len() == 6 && e.alias.is_some()));
    if std::env::var_os("LARGE_TREE_KEEP").is_some() {
        println!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(dir.parent().unwrap());
    }
}
