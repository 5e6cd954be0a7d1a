//! Types that describe the docker CLI: its command tree and each command's flags.
//!
//! The data itself lives in `spec.rs`; this file only says what a description is.
//! Everything the parser knows about docker comes from these types, so a command or
//! flag that is not described here is unknown, and unknown is denied.

/// One flag of one command, as cobra/pflag define it in the docker CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagSpec {
    /// Long name without dashes: `volume` for `--volume`.
    pub long: &'static str,
    /// pflag shorthand: `v` for `-v`.
    pub short: Option<char>,
    /// The value type exactly as `docker <cmd> --help` prints it after the name
    /// (`string`, `list`, `strings`, `bytes`, `int`, `duration`, ...);
    /// empty for a boolean flag, which prints no type.
    pub ty: &'static str,
    /// pflag `NoOptDefVal`: the value used when the flag is given without `=value`.
    /// `Some("true")` for every boolean flag; `None` means the flag takes the next
    /// argument as its value when no `=` is attached.
    pub no_opt_default: Option<&'static str>,
    /// cobra `MarkHidden`: accepted by docker but not listed in `--help`.
    pub hidden: bool,
}

impl FlagSpec {
    pub const fn is_bool(&self) -> bool {
        self.ty.is_empty()
    }

    /// Whether giving the flag again adds a value (`--label a --label b`) rather than
    /// replacing the earlier one. Types not known to accumulate count as replacing:
    /// that is the cautious reading where a policy forces the flag's value.
    pub fn is_repeatable(&self) -> bool {
        matches!(
            self.ty,
            "list"
                | "strings"
                | "stringArray"
                | "stringSlice"
                | "filter"
                | "map"
                | "ulimit"
                | "mount"
                | "network"
                | "gpu-request"
                | "throttled-device"
                | "weight-device"
                | "pref"
        )
    }

    /// pflag's `StringSlice` (`strings` in help) splits each value on commas as CSV,
    /// so one token can carry several values.
    pub fn is_csv_list(&self) -> bool {
        self.ty == "strings"
    }
}

/// One command of the docker CLI (or of a modelled plugin such as compose).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    /// Canonical full path below `docker`, words separated by one space:
    /// `container ls`, `system prune`, `compose up`.
    pub path: &'static str,
    /// Other full paths that name the same command: `ps`, `container list`,
    /// `container ps` for `container ls`.
    pub aliases: &'static [&'static str],
    /// The command's own flags (not the global options), including hidden ones and
    /// cobra's `-h/--help`.
    pub flags: &'static [FlagSpec],
    /// cobra/pflag "interspersed": whether flags may follow positionals. `false` for
    /// `run`, `create`, `exec`, ...: everything after the first positional belongs to
    /// the container.
    pub interspersed: bool,
    /// A command group (`container`, `image`, `compose`, ...): it only selects a
    /// sub-command. Its flags (if any) apply before the sub-command name.
    pub group: bool,
    /// cobra `Hidden`: docker accepts it but does not list it in help.
    pub hidden: bool,
}

impl CommandSpec {
    pub fn flag_by_long(&self, long: &str) -> Option<&'static FlagSpec> {
        self.flags.iter().find(|f| f.long == long)
    }

    pub fn flag_by_short(&self, short: char) -> Option<&'static FlagSpec> {
        self.flags.iter().find(|f| f.short == Some(short))
    }
}

/// Shorthands to keep `spec.rs` readable.
pub const fn bool_flag(long: &'static str, short: Option<char>) -> FlagSpec {
    FlagSpec {
        long,
        short,
        ty: "",
        no_opt_default: Some("true"),
        hidden: false,
    }
}

pub const fn value_flag(long: &'static str, short: Option<char>, ty: &'static str) -> FlagSpec {
    FlagSpec {
        long,
        short,
        ty,
        no_opt_default: None,
        hidden: false,
    }
}

pub const fn hidden(flag: FlagSpec) -> FlagSpec {
    FlagSpec {
        hidden: true,
        ..flag
    }
}
