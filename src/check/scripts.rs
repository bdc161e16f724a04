//! Compiling `script` blocks: rhai syntax, unknown functions and result
//! types become diagnostics pointing into the `.nurture` file.

use super::ir::ScriptDef;
use crate::base::vocab::FieldType;
use crate::diagnostics::{codes, Diagnostic, FileId};
use crate::sandbox::{engine, known_functions, withheld, CONTACT_API, LIMITS};
use crate::syntax::ast::{ScriptDecl, Span};
use rhai::{ASTNode, Expr, Position, Stmt};
use std::sync::Arc;

/// The byte offset in the file of a rhai position inside a script body.
pub fn offset_of(decl: &ScriptDecl, pos: Position) -> usize {
    decl.body_span.start + offset_in(&decl.body, pos)
}

/// The byte offset in `text` of a rhai position (line and column, both
/// from 1, columns counted in characters).
fn offset_in(text: &str, pos: Position) -> usize {
    let (Some(line), column) = (pos.line(), pos.position().unwrap_or(1)) else {
        return 0;
    };
    let mut start = 0;
    for _ in 1..line {
        match text.get(start..).and_then(|rest| rest.find('\n')) {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    let rest = text.get(start..).unwrap_or_default();
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    start + within
}

fn point(decl: &ScriptDecl, pos: Position) -> Span {
    point_in(&decl.body, decl.body_span.start, pos)
}

/// A one-character span at a rhai position of `text`, which starts at
/// byte `base` of its file. It covers the whole character, so that it ends
/// on a character boundary also when the character takes several bytes
/// (found by the `check` fuzz target: a span ending inside `→`).
fn point_in(text: &str, base: usize, pos: Position) -> Span {
    let offset = offset_in(text, pos);
    let width = text
        .get(offset..)
        .and_then(|rest| rest.chars().next())
        .map_or(0, char::len_utf8);
    Span::new(base + offset, base + offset + width)
}

/// The problems of a rhai syntax error as a diagnostic.
fn syntax_error(name: &str, error: &rhai::ParseError, file: FileId, span: Span) -> Diagnostic {
    let message = error.err_type().to_string();
    let help = if message.contains("eval") {
        "`eval` is disabled in scripts".to_string()
    } else if message.to_lowercase().contains("import") {
        "scripts cannot import modules; declare helpers as `fn` inside the script".into()
    } else if message.to_lowercase().contains("too deep") || message.contains("complex") {
        format!("expressions may nest at most {} deep", LIMITS.expr_depth)
    } else {
        "see docs/language.md section 11 for what scripts may contain".into()
    };
    Diagnostic::new(
        codes::SCRIPT_SYNTAX,
        file,
        span,
        format!("{name}: {message}"),
    )
    .with_help(help)
}

/// Every call to a function that is neither the program's own `fn`, a
/// rhai built-in nor the contact view, with its position.
fn unknown_functions(ast: &rhai::AST) -> Vec<(String, Position)> {
    let own: Vec<String> = ast.iter_functions().map(|f| f.name.to_string()).collect();
    let known = known_functions();
    let mut unknown = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        let call = match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(call, pos))) => Some((call.name.clone(), *pos)),
            Some(ASTNode::Expr(Expr::MethodCall(call, pos))) => Some((call.name.clone(), *pos)),
            // A call on its own as a statement.
            Some(ASTNode::Stmt(Stmt::FnCall(call, pos))) => Some((call.name.clone(), *pos)),
            _ => None,
        };
        if let Some((fn_name, pos)) = call {
            let bare = fn_name.as_str();
            let is_operator = !bare.starts_with(|c: char| c.is_alphabetic() || c == '_');
            if !is_operator && !known.contains(bare) && !own.iter().any(|o| o == bare) {
                unknown.push((bare.to_string(), pos));
            }
        }
        true
    });
    unknown
}

fn unknown_function(what: &str, fn_name: &str, file: FileId, span: Span) -> Diagnostic {
    let help = match withheld(fn_name) {
        Some(why) => format!("`{fn_name}` is not available in the sandbox: {why}"),
        None => format!(
            "scripts may call their own `fn`s, rhai's built-ins and the contact view: {}",
            CONTACT_API.join(", ")
        ),
    };
    Diagnostic::new(
        codes::SCRIPT_UNKNOWN_FUNCTION,
        file,
        span,
        format!("{what} calls `{fn_name}`, which is not a function"),
    )
    .with_help(help)
}

/// An imported `.rhai` file: every public `fn` without parameters becomes
/// a script of that name (its other `fn`s are helpers). The file may hold
/// nothing but `fn` definitions. Problems are reported at their line and
/// column in the file, once for the whole file.
pub fn rhai_file(text: &str, file: FileId, diagnostics: &mut Vec<Diagnostic>) -> Vec<ScriptDecl> {
    let whole = Span::new(0, text.len());
    let ast = match engine().compile(text) {
        Ok(ast) => ast,
        Err(error) => {
            let span = point_in(text, 0, error.position());
            diagnostics.push(syntax_error("this `.rhai` file", &error, file, span));
            return Vec::new();
        }
    };
    for stmt in ast.statements() {
        diagnostics.push(
            Diagnostic::new(
                codes::SCRIPT_SYNTAX,
                file,
                point_in(text, 0, stmt.position()),
                "an imported `.rhai` file holds only `fn` definitions",
            )
            .with_help("move this statement into a `fn`; each public `fn` without parameters becomes a script"),
        );
    }
    for (fn_name, pos) in unknown_functions(&ast) {
        diagnostics.push(unknown_function(
            "this `.rhai` file",
            &fn_name,
            file,
            point_in(text, 0, pos),
        ));
    }
    ast.iter_functions()
        .filter(|f| f.params.is_empty() && f.access != rhai::FnAccess::Private)
        .map(|f| {
            let start = find_fn(text, f.name).unwrap_or(0);
            ScriptDecl {
                name: crate::syntax::ast::Ident {
                    name: f.name.to_string(),
                    span: Span::new(start, start + f.name.len()).into(),
                },
                ty: None,
                body: text.to_string(),
                body_span: whole.into(),
                entry: Some(f.name.to_string()),
            }
        })
        .collect()
}

/// Where the name of `fn NAME` is in the text.
fn find_fn(text: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text.get(from..)?.find("fn ") {
        let at = from + i + 3;
        let rest = text.get(at..)?.trim_start();
        let name_at = text.len() - rest.len();
        if rest
            .strip_prefix(name)
            .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        {
            return Some(name_at);
        }
        from = at;
    }
    None
}

/// The contents of the double-quoted strings of a rhai text that could
/// name an event type (`"refund"`, `"email.opened"`): letters, digits, `_`
/// and `.`. Escapes end no string early; a string left open ends the scan.
pub fn strings(body: &str) -> impl Iterator<Item = String> + '_ {
    let mut rest = body;
    std::iter::from_fn(move || loop {
        let open = rest.find('"')?;
        let after = rest.get(open + 1..)?;
        let mut escaped = false;
        let close = after.char_indices().find_map(|(i, c)| {
            let end = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            end.then_some(i)
        })?;
        let text = after.get(..close)?;
        rest = after.get(close + 1..)?;
        let name_like = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if name_like {
            return Some(text.to_string());
        }
    })
}

/// A script of an imported `.rhai` file: a call of its `fn` with every
/// `fn` of the file beside it. The file was checked when it was loaded.
fn compile_entry(decl: &ScriptDecl, entry: &str) -> Option<(ScriptDef, Arc<rhai::AST>)> {
    let file = engine().compile(&decl.body).ok()?;
    let call = engine().compile(format!("{entry}()")).ok()?;
    let def = ScriptDef {
        name: decl.name.name.clone(),
        result: None,
    };
    Some((def, Arc::new(call.merge(&file.clone_functions_only()))))
}

/// Compiles one script; problems are pushed as diagnostics.
pub fn compile(
    decl: &ScriptDecl,
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(ScriptDef, Arc<rhai::AST>)> {
    let name = &decl.name.name;
    if let Some(entry) = &decl.entry {
        return compile_entry(decl, entry);
    }
    let ast = match engine().compile(&decl.body) {
        Ok(ast) => ast,
        Err(error) => {
            let span = point(decl, error.position());
            diagnostics.push(syntax_error(
                &format!("script `{name}`"),
                &error,
                file,
                span,
            ));
            return None;
        }
    };
    let unknown = unknown_functions(&ast);
    let ok = unknown.is_empty();
    for (fn_name, pos) in unknown {
        diagnostics.push(unknown_function(
            &format!("script `{name}`"),
            &fn_name,
            file,
            point(decl, pos),
        ));
    }
    if !ok {
        return None;
    }
    let def = ScriptDef {
        name: name.clone(),
        result: decl.ty.or_else(|| constant_type(&ast)),
    };
    Some((def, Arc::new(ast)))
}

/// The type of a script whose result is a constant (after rhai's constant
/// folding), when its last statement shows it.
fn constant_type(ast: &rhai::AST) -> Option<FieldType> {
    match ast.statements().last()? {
        Stmt::Expr(expr) => match expr.as_ref() {
            Expr::IntegerConstant(..) | Expr::FloatConstant(..) => Some(FieldType::Number),
            Expr::StringConstant(..) => Some(FieldType::Text),
            Expr::BoolConstant(..) => Some(FieldType::Bool),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::Ident;

    fn decl(body: &str, start: usize) -> ScriptDecl {
        ScriptDecl {
            name: Ident {
                name: "s".into(),
                span: Span::default().into(),
            },
            ty: None,
            body: body.into(),
            body_span: Span::new(start, start + body.len()).into(),
            entry: None,
        }
    }

    #[test]
    fn a_point_covers_a_whole_multibyte_character() {
        // `→` is three bytes; the span must not end inside it.
        let d = decl("\nlet t = 1 → 2;\n", 10);
        let span = point(&d, Position::new(2, 11));
        assert_eq!((span.start, span.end), (10 + 11, 10 + 14));
        assert_eq!(d.body.get(span.start - 10..span.end - 10), Some("→"));
    }

    #[test]
    fn rhai_positions_map_to_file_offsets() {
        let d = decl("\nlet é = 1;\nfoo(é)\n", 100);
        // Line 3, column 1 is `foo`.
        assert_eq!(offset_of(&d, Position::new(3, 1)), 100 + 12 + 1);
        // Column counts characters, not bytes: `= 1` after `é` on line 2.
        assert_eq!(
            &d.body[offset_of(&d, Position::new(2, 7)) - 100..][..1],
            "="
        );
        assert_eq!(offset_of(&d, Position::NONE), 100);
    }

    #[test]
    fn strings_are_read_for_event_type_names() {
        let body = r#"count("refund", 90) + sum("purchase", "amount") + len("a b") + "x\"y".len() + "email.opened".len()"#;
        let found: Vec<String> = strings(body).collect();
        assert_eq!(found, ["refund", "purchase", "amount", "email.opened"]);
        assert_eq!(strings("let x = \"open").count(), 0);
    }

    #[test]
    fn compile_reports_unknown_functions_and_constant_types() {
        let mut diagnostics = Vec::new();
        assert!(compile(&decl("nope(1)", 0), 0, &mut diagnostics).is_none());
        assert_eq!(diagnostics[0].code.info().code, "E0702");
        let def = compile(&decl("1 + 2", 0), 0, &mut diagnostics);
        assert_eq!(def.and_then(|(d, _)| d.result), Some(FieldType::Number));
    }
}
