//! A small hand-written argument parser: `--name value` / `--name=value` options, `--switch`
//! flags, and a fixed number of operands.
//!
//! Only an argument that starts with `--` and names a known option is treated as one; `--`
//! alone ends the options, so an operand that itself begins with `--` (base64url may) can be
//! passed after it. A single leading `-` is an ordinary operand character. Unknown options,
//! repeated options, a missing option value and a wrong operand count are usage errors.

use crate::Failure;

/// What one command accepts.
pub struct Spec {
    /// The usage line printed on a usage error (without the leading `usage: `).
    pub synopsis: &'static str,
    /// Options that take a value.
    pub valued: &'static [&'static str],
    /// Options that take no value.
    pub switches: &'static [&'static str],
    /// Names of the required operands, in order.
    pub operands: &'static [&'static str],
}

/// The parsed arguments of one command.
pub struct Parsed {
    spec: &'static Spec,
    values: Vec<(&'static str, String)>,
    switches: Vec<&'static str>,
    operands: Vec<String>,
}

impl Parsed {
    /// The value of an optional `--name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// The value of a `--name` the command cannot run without (usage error when absent).
    pub fn required(&self, name: &str) -> Result<&str, Failure> {
        self.value(name).ok_or_else(|| self.usage(format!("missing required option --{name}")))
    }

    /// Whether the switch `--name` was given.
    pub fn switch(&self, name: &str) -> bool {
        self.switches.contains(&name)
    }

    /// Operand `i` (the parser has checked the count).
    pub fn operand(&self, i: usize) -> Result<&str, Failure> {
        self.operands.get(i).map(String::as_str).ok_or_else(|| self.usage("missing operand".into()))
    }

    /// Names of the valued options that were given.
    pub fn given(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.values.iter().map(|(n, _)| *n)
    }

    /// A usage error for this command.
    pub fn usage(&self, reason: String) -> Failure {
        Failure::Usage { reason, synopsis: self.spec.synopsis }
    }
}

/// Parses `args` (everything after the command words) against `spec`.
pub fn parse(spec: &'static Spec, args: &[String]) -> Result<Parsed, Failure> {
    let usage = |reason: String| Failure::Usage { reason, synopsis: spec.synopsis };
    let mut out = Parsed { spec, values: Vec::new(), switches: Vec::new(), operands: Vec::new() };
    let mut rest = args.iter();
    let mut options_done = false;
    while let Some(arg) = rest.next() {
        if options_done || !arg.starts_with("--") {
            out.operands.push(arg.clone());
            continue;
        }
        if arg == "--" {
            options_done = true;
            continue;
        }
        if arg == "--help" {
            return Err(Failure::Help(format!("usage: {}", spec.synopsis)));
        }
        let body = arg.get(2..).unwrap_or_default();
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        if let Some(&known) = spec.switches.iter().find(|s| **s == name) {
            if inline.is_some() {
                return Err(usage(format!("option --{known} takes no value")));
            }
            if out.switches.contains(&known) {
                return Err(usage(format!("option --{known} given twice")));
            }
            out.switches.push(known);
        } else if let Some(&known) = spec.valued.iter().find(|s| **s == name) {
            if out.values.iter().any(|(n, _)| *n == known) {
                return Err(usage(format!("option --{known} given twice")));
            }
            let value = match inline {
                Some(v) => v.to_string(),
                None => rest.next().cloned().ok_or_else(|| usage(format!("option --{known} needs a value")))?,
            };
            out.values.push((known, value));
        } else {
            return Err(usage(format!("unknown option --{name}")));
        }
    }
    let (want, got) = (spec.operands.len(), out.operands.len());
    if got < want {
        let missing = spec.operands.get(got).copied().unwrap_or("operand");
        return Err(usage(format!("missing operand <{missing}>")));
    }
    if got > want {
        return Err(usage(format!("unexpected extra operand ({got} given, {want} expected)")));
    }
    Ok(out)
}
