//! Compiling `script` blocks: rhai syntax, unknown functions and result
//! types become diagnostics pointing into the `.nurture` file.

use super::ir::ScriptDef;
use crate::diagnostics::{codes, Diagnostic, FileId};
use crate::eval::script::{engine, known_functions};
use crate::syntax::ast::{FieldType, ScriptDecl, Span};
use rhai::{ASTNode, Expr, Position, Stmt};
use std::sync::Arc;

/// The byte offset in the file of a rhai position inside a script body.
pub fn offset_of(decl: &ScriptDecl, pos: Position) -> usize {
    let base = decl.body_span.start;
    let (Some(line), column) = (pos.line(), pos.position().unwrap_or(1)) else {
        return base;
    };
    let mut start = 0;
    for _ in 1..line {
        match decl.body[start..].find('\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    let rest = &decl.body[start..];
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    base + start + within
}

fn point(decl: &ScriptDecl, pos: Position) -> Span {
    let at = offset_of(decl, pos);
    Span::new(at, (at + 1).min(decl.body_span.end.max(at)))
}

/// Compiles one script; problems are pushed as diagnostics.
pub fn compile(
    decl: &ScriptDecl,
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<ScriptDef> {
    let name = &decl.name.name;
    let ast = match engine().compile(&decl.body) {
        Ok(ast) => ast,
        Err(error) => {
            let span = point(decl, error.position());
            let message = error.err_type().to_string();
            let help = if message.contains("eval") {
                "`eval` is disabled in scripts".to_string()
            } else if message.to_lowercase().contains("import") {
                "scripts cannot import modules; declare helpers as `fn` inside the script".into()
            } else if message.to_lowercase().contains("too deep") || message.contains("complex") {
                format!(
                    "expressions may nest at most {} deep",
                    crate::eval::script::LIMITS.expr_depth
                )
            } else {
                "see docs/language.md section 11 for what scripts may contain".into()
            };
            diagnostics.push(
                Diagnostic::new(
                    codes::SCRIPT_SYNTAX,
                    file,
                    span,
                    format!("script `{name}`: {message}"),
                )
                .with_help(help),
            );
            return None;
        }
    };
    let mut ok = true;
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
    for (fn_name, pos) in unknown {
        ok = false;
        diagnostics.push(
            Diagnostic::new(
                codes::SCRIPT_UNKNOWN_FUNCTION,
                file,
                point(decl, pos),
                format!("script `{name}` calls `{fn_name}`, which is not a function"),
            )
            .with_help(
                "scripts may call their own `fn`s, rhai's built-ins and the contact view: \
                 points, stage, stage_index, has_tag, field, count, sum, average, \
                 days_since_first, days_since_last",
            ),
        );
    }
    if !ok {
        return None;
    }
    Some(ScriptDef {
        name: name.clone(),
        result: decl.ty.or_else(|| constant_type(&ast)),
        ast: Arc::new(ast),
    })
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
                span: Span::default(),
            },
            ty: None,
            body: body.into(),
            body_span: Span::new(start, start + body.len()),
        }
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
    fn compile_reports_unknown_functions_and_constant_types() {
        let mut diagnostics = Vec::new();
        assert!(compile(&decl("nope(1)", 0), 0, &mut diagnostics).is_none());
        assert_eq!(diagnostics[0].code.info().code, "E0702");
        let def = compile(&decl("1 + 2", 0), 0, &mut diagnostics);
        assert_eq!(def.and_then(|d| d.result), Some(FieldType::Number));
    }
}
