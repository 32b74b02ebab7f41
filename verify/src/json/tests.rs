//! The strict reader's tests: its rules, and the same answers as the serde_json-based reader
//! it replaced (`reference`) on random and mutated documents.

use super::*;
use super::reference;
use zeroize::Zeroizing;

/// Keeps the string members, counts the rest, refuses `"bad"`, reads `"inner"` as an object.
#[derive(Default, Debug, PartialEq)]
struct Probe {
    strings: Vec<(String, String)>,
    skipped: usize,
    inner: Option<Box<Probe>>,
}

impl Members for Probe {
    fn member(&mut self, name: &str, value: Value<'_, '_>) -> Result<(), MemberError> {
        match name {
            "bad" => return Err(MemberError::Refused("bad member")),
            "inner" => self.inner = Some(Box::new(value.object()?)),
            n if n.starts_with('s') => self.strings.push((n.to_string(), value.string()?)),
            _ => self.skipped += 1,
        }
        Ok(())
    }
}

fn read(json: &str) -> Result<Probe, Refusal> {
    read_object(json.as_bytes())
}

#[test]
fn reads_members_in_order_and_skips_the_rest() {
    let p = read(r#" {"s1":"a","n":[1,{"x":null}],"s2":"b\u0041","inner":{"s":"c","s":1e3}} "#);
    // The inner duplicate refuses the whole object.
    assert_eq!(p, Err(Refusal::Malformed));
    let p = read(r#" {"s1":"a","n":[1,{"x":null}],"s2":"b\u0041","inner":{"s":"c","t":1e3}} "#).unwrap();
    assert_eq!(p.strings, vec![("s1".into(), "a".into()), ("s2".into(), "bA".into())]);
    assert_eq!(p.skipped, 1);
    let inner = p.inner.unwrap();
    assert_eq!(inner.strings, vec![("s".into(), "c".into())]);
    assert_eq!(inner.skipped, 1);
    assert_eq!(read("{}").unwrap(), Probe::default());
}

#[test]
fn refusals() {
    assert_eq!(read(r#"{"a":1,"b":2,"a":3}"#), Err(Refusal::DuplicateMember));
    assert_eq!(read(r#"{"s":"x","\u0073":"y"}"#), Err(Refusal::DuplicateMember));
    assert_eq!(read(r#"{"a":1,"bad":2}"#), Err(Refusal::Member("bad member")));
    for bad in ["", "[]", "\"s\"", "{", r#"{"s":1}"#, r#"{"a":1}x"#, r#"{"a":1,}"#, "null"] {
        assert_eq!(read(bad), Err(Refusal::Malformed), "{bad:?}");
    }
    assert_eq!(read_object::<Probe>(b"{\"s\":\"\xff\"}"), Err(Refusal::Malformed));
    let members = |n: usize| format!("{{{}}}", (0..n).map(|i| format!(r#""m{i}":0"#)).collect::<Vec<_>>().join(","));
    assert!(read(&members(MAX_MEMBERS)).is_ok());
    assert_eq!(read(&members(MAX_MEMBERS + 1)), Err(Refusal::TooManyMembers));
    let long = format!(r#"{{"s":"{}"}}"#, "a".repeat(MAX_LEN));
    assert_eq!(read(&long), Err(Refusal::TooLong));
    assert!(read(&format!(r#"{{"s":"{}"}}"#, "a".repeat(MAX_LEN - 8))).is_ok());
}

#[test]
fn strict_also_in_members_nobody_reads() {
    // RFC 8259: escaped lone surrogates, invalid UTF-8 and duplicate names are refused in
    // skipped members and nested values too (issue 13).
    for bad in [
        r#"{"s":"a","n":"\ud800"}"#,
        r#"{"s":"a","n":"\udc00x"}"#,
        r#"{"s":"a","n":"\ud800\u0041"}"#,
        r#"{"s":"a","n":["ok","\udfff"]}"#,
        r#"{"s":"a","n":{"x":1,"x":2}}"#,
        r#"{"s":"a","n":[{"x":{"y":1,"y":1}}]}"#,
        r#"{"s":"a","n":{"\ud800":1}}"#,
        r#"{"\ud800":1}"#,
        r#"{"s":"\ud800"}"#,
    ] {
        assert_eq!(read(bad), Err(Refusal::Malformed), "{bad}");
    }
    let flood = format!(r#"{{"n":{{{}}}}}"#, (0..=MAX_MEMBERS).map(|i| format!(r#""m{i}":0"#)).collect::<Vec<_>>().join(","));
    assert_eq!(read(&flood), Err(Refusal::Malformed));
    for raw in [&b"{\"n\":\"\xff\"}"[..], b"{\"n\":[\"\xc3\x28\"]}", b"{\"n\xff\":1}", b"{\"s\":\"a\"}\xff"] {
        assert_eq!(read_object::<Probe>(raw), Err(Refusal::Malformed), "{raw:?}");
    }
    // What stays accepted: a surrogate pair, numbers, nested values, null.
    let ok = read(r#"{"s":"\ud83d\ude00","n":[1,-2.5e3,true,null,{"a":{"b":[]}}],"m":{}}"#).unwrap();
    assert_eq!(ok.strings, vec![("s".into(), "😀".into())]);
}

#[test]
fn limits_are_the_callers() {
    let tight = Limits { max_len: 20, max_members: 2 };
    assert!(read_object_within::<Probe>(br#"{"a":1,"b":2}"#, tight).is_ok());
    assert_eq!(read_object_within::<Probe>(br#"{"a":1,"b":2,"c":3}"#, tight), Err(Refusal::TooManyMembers));
    assert_eq!(read_object_within::<Probe>(br#"{"s":"0123456789abcdef"}"#, tight), Err(Refusal::TooLong));
}

#[path = "../../tests/support/rng.rs"]
mod rng;
use rng::Rng;

/// One of `from`, at random.
trait Pick {
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str;
}

impl Pick for Rng {
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

const STRINGS: &[&str] = &[r#""""#, r#""a""#, r#""é😀""#, r#""\ud83d\ude00""#, r#""\ud800""#, r#""\udc00x""#, r#""\ud800\u0041""#,
    r#""\u00e9\n\t\"\\\/\b\f\r""#, r#""\x""#, "\"\u{1}\"", r#""\u12""#, r#""\uD834\uDD1E""#, r#""a"#, r#""kty""#, r#""\u0000""#];
const NUMBERS: &[&str] = &["0", "-0", "1", "-1", "12", "01", "1.", ".5", "1.5", "-2.5e3", "1e3", "1E+3", "1e-3", "1e", "+1", "-",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e400", "00", "-01", "0.0e0"];
const NOISE: &[&str] = &["{", "}", "[", "]", ",", ":", "\"", "\\", "u", "d800", "0", "-", ".", "e", " ", "\n", "\t", "\r", "\u{0}",
    "\u{1f}", "é", "\u{7f}", "true", "fals", "nul", "null", "tru", "\u{feff}", "/", "*"];

fn value(rng: &mut Rng, depth: u32, out: &mut String) {
    match rng.below(if depth > 6 { 4 } else { 7 }) {
        0 => out.push_str(rng.pick(STRINGS)),
        1 => out.push_str(rng.pick(NUMBERS)),
        2 => out.push_str(rng.pick(&["true", "false", "null"])),
        3 => out.push_str(rng.pick(&["{}", "[]", " [ ] ", "{ }"])),
        4 | 5 => object(rng, depth + 1, out),
        _ => {
            out.push('[');
            for i in 0..rng.below(4) {
                if i > 0 {
                    out.push(',');
                }
                value(rng, depth + 1, out);
            }
            out.push(']');
        }
    }
}

fn object(rng: &mut Rng, depth: u32, out: &mut String) {
    out.push('{');
    for i in 0..rng.below(6) {
        if i > 0 {
            out.push(',');
        }
        out.push_str(rng.pick(&[" ", "", "\n"]));
        out.push_str(rng.pick(&[r#""a""#, r#""b""#, r#""\u0061""#, r#""c""#, r#""""#, r#""\ud800""#, r#""kty""#]));
        out.push(':');
        value(rng, depth, out);
    }
    out.push('}');
}

#[test]
fn accepts_and_refuses_exactly_what_the_serde_json_reader_did() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let tight = Limits { max_len: 400, max_members: 3 };
    let (mut accepted, mut cases) = (0, 0);
    for _ in 0..60_000 {
        let mut doc = String::new();
        if rng.below(8) == 0 {
            value(&mut rng, 0, &mut doc);
        } else {
            object(&mut rng, 0, &mut doc);
        }
        // Mutate some: insert, delete or replace at random places.
        for _ in 0..rng.below(3) {
            let mut at = rng.below(doc.len() + 1);
            while !doc.is_char_boundary(at) {
                at -= 1;
            }
            match rng.below(3) {
                0 => doc.insert_str(at, rng.pick(NOISE)),
                1 if at < doc.len() => {
                    doc.remove(at);
                }
                _ => doc.replace_range(at..at, rng.pick(NUMBERS)),
            }
        }
        if rng.below(20) == 0 {
            doc = format!("{}{doc}{}", rng.pick(&[" ", "\n", "", "\u{feff}"]), rng.pick(&[" ", "x", "", "}"]));
        }
        for limits in [Limits::DEFAULT, tight] {
            let ours = read_object_within::<Skipped>(doc.as_bytes(), limits).map(drop);
            assert_eq!(ours, reference::read(doc.as_bytes(), limits), "{doc:?} within {limits:?}");
            accepted += usize::from(ours.is_ok());
            cases += 1;
        }
    }
    // The generator reaches both sides.
    assert!(accepted > cases / 10 && accepted < cases * 9 / 10, "{accepted} of {cases}");
}

#[test]
fn numbers_beyond_f64_are_refused_as_correctly_rounded_parsing_says() {
    let halfway = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";
    let below = format!("{}791", &halfway[..halfway.len() - 3]);
    let cases = [
        "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e308", "1e309", "-1e309", "10e307",
        "0.1e310", "0e99999999999999999999", "1e-99999999999999999999", "1e99999999999999999999", "0.000e400", halfway, &below,
        "-1797693134862315807937289714053034150799341327100378269361737789804449682927647509466490179775872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548458177115317644757302700698555713669596228429148198608349364752927190741684443655107043427115596995080930428801779041744977920e-1",
    ];
    for n in cases {
        let doc = format!(r#"{{"x":{n}}}"#);
        let finite = n.parse::<f64>().map(f64::is_finite).unwrap_or(false);
        assert_eq!(read_object::<Skipped>(doc.as_bytes()).is_ok(), finite, "{n}");
    }
    // serde_json (with correctly rounded floats, `float_roundtrip`) agrees on every one.
    for n in cases {
        let doc = format!(r#"{{"x":{n}}}"#);
        assert_eq!(read_object::<Skipped>(doc.as_bytes()).map(drop), reference::read(doc.as_bytes(), Limits::DEFAULT), "{n}");
    }
}

#[test]
fn nesting_is_bounded_at_serde_jsons_depth() {
    let limits = Limits { max_len: 1 << 16, max_members: 16 };
    for (depth, accepted) in [(100, true), (126, true), (127, true), (128, false), (129, false), (1000, false)] {
        // `depth` levels of objects, the top one included; then arrays inside one object.
        let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        let arrays = format!(r#"{{"a":{}1{}}}"#, "[".repeat(depth - 1), "]".repeat(depth - 1));
        for doc in [objects, arrays] {
            let ours = read_object_within::<Skipped>(doc.as_bytes(), limits).map(drop);
            assert_eq!(ours.is_ok(), accepted, "depth {depth}: {}", &doc[..20]);
            assert_eq!(ours, reference::read(doc.as_bytes(), limits), "depth {depth}");
        }
    }
    // 64 KiB of openers is refused, without exhausting the stack.
    for opener in [r#"{"a":"#, "["] {
        let doc = format!(r#"{{"a":{}"#, opener.repeat(((1 << 16) - 8) / opener.len()));
        assert!(doc.len() > 60_000 && doc.len() <= 1 << 16);
        assert_eq!(read_object_within::<Skipped>(doc.as_bytes(), limits).map(drop), Err(Refusal::Malformed));
    }
    // Closed containers give their depth back: 300 siblings at the same level are fine.
    for sibling in ["[]", "{}", r#"[{"b":[]}]"#] {
        let doc = format!(r#"{{"a":[{}],"b":{{}}}}"#, vec![sibling; 300].join(","));
        assert_eq!(read_object_within::<Skipped>(doc.as_bytes(), limits).map(drop), Ok(()), "{sibling}");
    }
}

#[test]
fn a_read_that_failed_part_way_refuses_the_object_even_if_the_handler_ignores_it() {
    /// Reads `i` as an integer and drops the error.
    #[derive(Default)]
    struct Careless;
    impl Members for Careless {
        fn member(&mut self, name: &str, value: Value<'_, '_>) -> Result<(), MemberError> {
            if name == "i" {
                let _ = value.integer();
            }
            Ok(())
        }
    }
    for doc in [r#"{"i":1.}"#, r#"{"i":1e}"#, r#"{"i":","x":1}"#, r#"{"i":1.5}"#, r#"{"i":"7"}"#] {
        assert_eq!(read_object::<Careless>(doc.as_bytes()).map(drop), Err(Refusal::Malformed), "{doc}");
    }
    assert!(read_object::<Careless>(br#"{"i":7,"x":[1.5]}"#).is_ok());
}

#[test]
fn a_secret_string_is_decoded_into_one_allocation() {
    /// Keeps `s` as a secret string.
    #[derive(Default)]
    struct Secret(Option<Zeroizing<String>>);
    impl Members for Secret {
        fn member(&mut self, name: &str, value: Value<'_, '_>) -> Result<(), MemberError> {
            if name == "s" {
                self.0 = Some(value.secret_string()?);
            }
            Ok(())
        }
    }
    let raw = r#"\u00e9\ud83d\ude00\n abc \"\\ xyz"#;
    let secret = read_object::<Secret>(format!(r#"{{"s":"{raw}"}}"#).as_bytes()).unwrap().0.unwrap();
    assert_eq!(secret.as_str(), "é😀\n abc \"\\ xyz");
    // Sized to the raw text up front, never grown (growing would leave a copy behind).
    assert_eq!(secret.capacity(), raw.len());
}

/// Reads one member `v` with the reader under test.
#[derive(Default)]
struct One {
    int: Option<Result<i64, Malformed>>,
    string: Option<Result<String, Malformed>>,
    nullable: Option<Result<Option<String>, Malformed>>,
    aud: Option<Result<OneOrMany, Malformed>>,
}

impl Members for One {
    fn member(&mut self, name: &str, value: Value<'_, '_>) -> Result<(), MemberError> {
        match name {
            "i" => self.int = Some(value.integer()),
            "s" => self.string = Some(value.string()),
            "n" => self.nullable = Some(value.nullable_string()),
            "a" => self.aud = Some(value.one_or_many()),
            _ => {}
        }
        Ok(())
    }
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Aud {
    One(String),
    Many(Vec<String>),
}

#[test]
fn typed_reads_match_serde_json() {
    let read = |json: String| read_object::<One>(json.as_bytes());
    for n in NUMBERS {
        let one = read(format!(r#"{{"i":{n}}}"#));
        let want = serde_json::from_str::<i64>(n).ok();
        match one {
            Ok(One { int: Some(got), .. }) => assert_eq!(got.ok(), want, "{n}"),
            _ => assert_eq!(want, None, "{n}"),
        }
    }
    for s in STRINGS.iter().chain(NUMBERS).chain(&["null", "[]", r#"["a"]"#, r#"["a","b"]"#, r#"["a",1]"#, r#"[null]"#, "{}", "true"]) {
        let string = read(format!(r#"{{"s":{s}}}"#)).ok().and_then(|o| o.string).and_then(Result::ok);
        assert_eq!(string, serde_json::from_str::<String>(s).ok(), "string {s}");
        let nullable = read(format!(r#"{{"n":{s}}}"#)).ok().and_then(|o| o.nullable).and_then(Result::ok);
        assert_eq!(nullable, serde_json::from_str::<Option<String>>(s).ok(), "nullable {s}");
        let aud = read(format!(r#"{{"a":{s}}}"#)).ok().and_then(|o| o.aud).and_then(Result::ok);
        let want = serde_json::from_str::<Aud>(s).ok().map(|a| match a {
            Aud::One(x) => OneOrMany::One(x),
            Aud::Many(x) => OneOrMany::Many(x),
        });
        assert_eq!(aud, want, "aud {s}");
    }
}
