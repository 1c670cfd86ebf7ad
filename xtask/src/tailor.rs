//! Adjustments to what progenitor emits, made on the syntax tree.
//!
//! progenitor has no setting for these, so they are made here, named and
//! counted like the document repairs; each fails the generation loudly when
//! it finds nothing to change, which means progenitor's output changed shape.

use anyhow::{Result, ensure};
use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};

/// How many places each adjustment changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tailored {
    /// `api-version` headers removed.
    pub api_version_headers: usize,
    /// Response decodings routed through `crate::decode::response`.
    pub decodings: usize,
    /// Structs of only optional fields given `Default`.
    pub defaults: usize,
    /// `authorization` header parameters sent through
    /// `crate::client::customer_secret_header`.
    pub customer_secret_headers: usize,
    /// Request URLs joined to the client's parsed base instead of formatted
    /// as text and parsed whole on every call.
    pub request_urls: usize,
    /// Places in the generated `Client` that now hold the parsed base (its
    /// field and its constructor).
    pub parsed_base: usize,
    /// Constructors that could panic removed (`Client::new`).
    pub panicking_constructors: usize,
}

/// Applies the six adjustments below to `file`, generated for `operations`
/// operations (and points the re-export of `Error` at `crate::Error`).
///
/// - **No stray `api-version` header.** progenitor sends `api-version:
///   <info.version>` on every call. Dojo's header is `version`, which
///   `dojo-payments-api` sets once on the client; the extra header is dropped.
/// - **Errors that keep their status and never print secrets.** progenitor's
///   `Error` loses the HTTP status when a body fails to decode (a bare 401
///   with no body, say) and prints the whole body in `Debug`/`Display`, which
///   can carry a `clientSessionSecret` or a customer secret. The generated
///   code is pointed at `crate::Error` and `crate::decode::response`, which
///   keep the status and redact the body.
/// - **`Default` for structs whose fields are all optional.** typify derives
///   it only when it can prove every field's default, which it does not for
///   fields of `x-rust-type` types or a flattened map of extra fields; without
///   it, building a `PaymentIntent` (35 optional fields) in a test or the
///   emulator means spelling every `None`.
/// - **The customer secret sent, not its `Display`.** progenitor sends a
///   header parameter as `value.to_string()`; for the customer-owned
///   endpoints that value is a `dojo_payments_types::CustomerSecret`, whose `Display`
///   is redacted by design. The header is built by
///   `crate::client::customer_secret_header` instead: `Basic cs_…`, marked
///   sensitive.
/// - **The base URL parsed once.** progenitor formats each URL as text,
///   `format!("{}/payment-intents/{}", self.baseurl, ..)`, which reqwest
///   then parses whole, host included, on every call. The generated
///   `Client` gets a `base: crate::request_url::BaseUrl`, parsed when it is
///   built, and each call joins its path to it.
/// - **No constructor that can panic.** progenitor's `Client::new` builds a
///   reqwest client and unwraps the result; with the SDK's rustls features
///   (a provider named in a preconfigured config, none installed
///   process-wide) reqwest's default builder panics there. The hand-written
///   constructors (`from_key`, `with_http`, …) return errors instead, so
///   `new` is removed.
pub fn tailor(file: &mut syn::File, operations: usize) -> Result<Tailored> {
    let reexports = reexport_crate_error(file);
    ensure!(
        reexports == 1,
        "expected one `pub use progenitor_client::{{.., Error, ..}}` in progenitor's output, found {reexports}"
    );
    let mut visitor = Tailored::default();
    visitor.visit_file_mut(file);
    ensure!(
        operations == 0
            || (visitor.api_version_headers > 0
                && visitor.decodings > 0
                && visitor.request_urls == operations
                && visitor.parsed_base == 2
                && visitor.panicking_constructors == 1),
        "progenitor's output changed shape: {visitor:?}"
    );
    Ok(visitor)
}

fn reexport_crate_error(file: &mut syn::File) -> usize {
    let mut found = 0;
    for item in &mut file.items {
        let syn::Item::Use(item_use) = item else {
            continue;
        };
        let syn::UseTree::Path(path) = &mut item_use.tree else {
            continue;
        };
        if path.ident != "progenitor_client" {
            continue;
        }
        let syn::UseTree::Group(group) = path.tree.as_mut() else {
            continue;
        };
        let before = group.items.len();
        group.items = std::mem::take(&mut group.items)
            .into_iter()
            .filter(|tree| !matches!(tree, syn::UseTree::Name(n) if n.ident == "Error"))
            .collect();
        found += before - group.items.len();
    }
    if found > 0 {
        file.items
            .insert(0, syn::parse_quote! { pub use crate::Error; });
    }
    found
}

impl VisitMut for Tailored {
    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        let inherent_client =
            item.trait_.is_none() && item.self_ty.to_token_stream().to_string() == "Client";
        if inherent_client {
            let before = item.items.len();
            item.items
                .retain(|member| !matches!(member, syn::ImplItem::Fn(f) if f.sig.ident == "new"));
            self.panicking_constructors += before - item.items.len();
        }
        visit_mut::visit_item_impl_mut(self, item);
    }

    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        if all_fields_optional(item) && add_default_derive(item) {
            self.defaults += 1;
        }
        if item.ident == "Client" && add_base_field(item) {
            self.parsed_base += 1;
        }
        visit_mut::visit_item_struct_mut(self, item);
    }

    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        visit_mut::visit_local_mut(self, local);
        if let Some(init) = &mut local.init
            && let Some(joined) = joined_url(&init.expr)
        {
            *init.expr = joined;
            self.request_urls += 1;
        }
    }

    fn visit_expr_struct_mut(&mut self, expr: &mut syn::ExprStruct) {
        visit_mut::visit_expr_struct_mut(self, expr);
        let builds_client = expr.path.is_ident("Self")
            && expr.fields.iter().any(
                |field| matches!(&field.member, syn::Member::Named(name) if name == "baseurl"),
            );
        if builds_client {
            expr.fields.push(syn::parse_quote! {
                base: crate::request_url::BaseUrl::parse(baseurl)
            });
            self.parsed_base += 1;
        }
    }

    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        visit_mut::visit_expr_method_call_mut(self, call);
        let is_authorization = call.method == "append"
            && call
                .args
                .first()
                .is_some_and(|arg| arg.to_token_stream().to_string() == "\"authorization\"");
        if is_authorization && call.args.len() == 2 {
            call.args[1] = syn::parse_quote!(crate::client::customer_secret_header(authorization)?);
            self.customer_secret_headers += 1;
        }
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let before = block.stmts.len();
        block.stmts.retain(|stmt| !sets_api_version_header(stmt));
        self.api_version_headers += before - block.stmts.len();
        visit_mut::visit_block_mut(self, block);
    }

    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        visit_mut::visit_expr_call_mut(self, call);
        let syn::Expr::Path(func) = call.func.as_mut() else {
            return;
        };
        let segments: Vec<String> = func
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        if segments == ["ResponseValue", "from_response"] {
            func.path = syn::parse_quote!(crate::decode::response);
            self.decodings += 1;
        }
    }
}

/// `format!("{}/path/{}", self.baseurl, args..)` as
/// `self.base.join(&format!("/path/{}", args..))?`; `None` for anything else.
fn joined_url(expr: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::Macro(mac) = expr else {
        return None;
    };
    if !mac.mac.path.is_ident("format") {
        return None;
    }
    let args = mac
        .mac
        .parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .ok()?;
    let mut args = args.into_iter();
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(template),
        ..
    }) = args.next()?
    else {
        return None;
    };
    let path = template.value().strip_prefix("{}")?.to_owned();
    let base = args.next()?;
    if base.to_token_stream().to_string() != "self . baseurl" {
        return None;
    }
    let rest: Vec<syn::Expr> = args.collect();
    Some(if rest.is_empty() {
        syn::parse_quote! { self.base.join(#path)? }
    } else {
        syn::parse_quote! { self.base.join(&format!(#path, #(#rest),*))? }
    })
}

/// Adds `base: crate::request_url::BaseUrl` beside `baseurl`; false if the
/// struct has no `baseurl` field.
fn add_base_field(item: &mut syn::ItemStruct) -> bool {
    let syn::Fields::Named(fields) = &mut item.fields else {
        return false;
    };
    let has_baseurl = fields
        .named
        .iter()
        .any(|field| field.ident.as_ref().is_some_and(|i| i == "baseurl"));
    if has_baseurl {
        fields.named.push(syn::parse_quote! {
            pub(crate) base: crate::request_url::BaseUrl
        });
    }
    has_baseurl
}

fn sets_api_version_header(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else {
        return false;
    };
    call.method == "append"
        && call.args.first().is_some_and(|arg| {
            arg.to_token_stream()
                .to_string()
                .contains("\"api-version\"")
        })
}

/// Every field is an `Option`, or the flattened map of extra fields.
fn all_fields_optional(item: &syn::ItemStruct) -> bool {
    let syn::Fields::Named(fields) = &item.fields else {
        return false;
    };
    fields.named.iter().all(|field| {
        let syn::Type::Path(path) = &field.ty else {
            return false;
        };
        let last = path.path.segments.last().map(|s| s.ident.to_string());
        let is_extra = field.ident.as_ref().is_some_and(|i| i == "extra");
        matches!(last.as_deref(), Some("Option")) || (is_extra && last.as_deref() == Some("Map"))
    })
}

/// Adds `Default` to the struct's `#[derive(..)]`; false if it is there.
fn add_default_derive(item: &mut syn::ItemStruct) -> bool {
    for attr in &mut item.attrs {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        if paths.iter().any(|p| p.is_ident("Default")) {
            return false;
        }
        let mut paths: Vec<syn::Path> = paths.into_iter().collect();
        paths.push(syn::parse_quote!(Default));
        *attr = syn::parse_quote!(#[derive(#(#paths),*)]);
        return true;
    }
    false
}
