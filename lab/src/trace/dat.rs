//! Writing a lab trace as trace-cmd's binary `trace.dat` (file format
//! version 6), the file `trace-cmd record` leaves and `trace-cmd report` and
//! KernelShark open.
//!
//! The input is the ftrace text the lab writes ([`write`](super::write)),
//! read back with the lab's own [`parse`]: every event line
//! becomes one ring-buffer record, so the text and the binary file cannot
//! tell different stories.
//!
//! The layout, as trace-cmd's `trace-cmd.dat.v6(5)` manual describes it:
//!
//! 1. the magic bytes `17 08 44`, `tracing`, the version `"6\0"`, one byte
//!    of byte order (0: little endian), one byte of the size of a long (8)
//!    and the page size as a 32-bit word (4096);
//! 2. `header_page\0` and `header_event\0`, each followed by a 64-bit
//!    length and the kernel's text of that name (`events/header_page`,
//!    `events/header_event`), which tell a reader how a ring-buffer page
//!    and a record header are laid out;
//! 3. the `ftrace` system's event formats (a 32-bit count, then each as a
//!    64-bit length and the text of its `format` file): here only `print`,
//!    which carries `tracing_mark_write`;
//! 4. the other systems (a 32-bit count; each a NUL-terminated name, a
//!    32-bit count of events and their formats as above): `sched` and
//!    `timer`;
//! 5. kallsyms (32-bit length and `/proc/kallsyms` lines): the two
//!    functions a record points to, so a reader prints their names; the
//!    printk formats (32-bit length, empty); the saved command lines
//!    (64-bit length, `PID COMM` lines);
//! 6. the number of CPUs (32 bits), `flyrecord\0`, and per CPU the 64-bit
//!    file offset and size of its data;
//! 7. the data: per CPU, ring-buffer pages of 4096 bytes starting at a
//!    page-aligned offset.
//!
//! A ring-buffer page (the kernel's `buffer_data_page`, whose layout the
//! `header_page` text gives) starts with the absolute timestamp of its first
//! record (64 bits) and the number of data bytes committed to it (a 64-bit
//! `local_t`), followed by 4080 bytes of records. Each record starts with a
//! 32-bit word whose low 5 bits are its type/length and whose high 27 bits
//! are the time since the previous record (or since the page's timestamp).
//! A type/length of 1 to 28 is a data record of that many 32-bit words; 0 is
//! a data record whose length (in bytes, plus the 4 of the length word
//! itself) is in the next 32-bit word; 30 is a time extension, whose next
//! word holds the bits of the delta above the 27 the header has room for,
//! and the data record after it has a delta of 0. Data is padded to 4 bytes.
//!
//! A record's data is the event's fields at the offsets its format text
//! gives, after the four common fields (`common_type`, the event's id;
//! `common_flags`; `common_preempt_count`; `common_pid`). The formats below
//! are those of Linux v6.6 on x86-64 (`include/trace/events/sched.h`,
//! `timer.h`, `kernel/trace/trace_entries.h`); the print formats are written
//! for this file, shorter than the kernel's but printing the same text.
//! `sched_stat_runtime` has its `vruntime` field only when the text has it
//! (runs under 6.5 and 6.6, as the kernel before v6.8). The ids are this
//! file's own, as on a real machine they are whatever the kernel assigned at
//! boot.

use std::collections::BTreeMap;

use super::parse::{self, Event, Line, Trace};
use super::write::{migration_pid, tick_hrtimer};

/// The traced machine's page size, which is also a ring-buffer page's size.
pub const PAGE_SIZE: usize = 4096;
/// The page header: the timestamp and the commit count, 8 bytes each.
const PAGE_HEADER: usize = 16;
/// The largest record that fits a 5-bit type/length: 28 words.
const MAX_SMALL_DATA: usize = 28 * 4;
/// Type/length of a time extension record.
const TYPE_TIME_EXTEND: u32 = 30;
/// The deltas a record header has room for: 27 bits.
const DELTA_BITS: u32 = 27;

/// Where kallsyms puts the two functions a record points to (addresses of
/// this file's own, in the kernel's text range).
const TICK_SCHED_TIMER: u64 = 0xffff_ffff_8113_4560;
const TRACING_MARK_WRITE: u64 = 0xffff_ffff_811f_0a80;

/// One field of an event's format.
struct Field {
    /// The C declaration as the format file prints it (`char comm[16]`).
    decl: &'static str,
    offset: usize,
    size: usize,
    signed: bool,
}

const fn f(decl: &'static str, offset: usize, size: usize, signed: bool) -> Field {
    Field {
        decl,
        offset,
        size,
        signed,
    }
}

/// The four fields every record starts with.
const COMMON: [Field; 4] = [
    f("unsigned short common_type", 0, 2, false),
    f("unsigned char common_flags", 2, 1, false),
    f("unsigned char common_preempt_count", 3, 1, false),
    f("int common_pid", 4, 4, true),
];

/// An event as a format file describes it.
struct Format {
    system: &'static str,
    name: &'static str,
    id: u16,
    fields: Vec<Field>,
    print: String,
}

impl Format {
    /// The text of `events/SYSTEM/NAME/format`.
    fn text(&self) -> String {
        let line = |x: &Field| {
            format!(
                "\tfield:{};\toffset:{};\tsize:{};\tsigned:{};\n",
                x.decl, x.offset, x.size, x.signed as u8
            )
        };
        let mut s = format!("name: {}\nID: {}\nformat:\n", self.name, self.id);
        COMMON.iter().for_each(|x| s.push_str(&line(x)));
        s.push('\n');
        self.fields.iter().for_each(|x| s.push_str(&line(x)));
        s.push_str(&format!("\nprint fmt: {}\n", self.print));
        s
    }
}

/// The ids of this file's events.
const ID_PRINT: u16 = 5;
const ID_SWITCH: u16 = 316;
const ID_WAKING: u16 = 319;
const ID_WAKEUP: u16 = 318;
const ID_WAKEUP_NEW: u16 = 317;
const ID_MIGRATE: u16 = 315;
const ID_RUNTIME: u16 = 307;
const ID_EXIT: u16 = 313;
const ID_HRTIMER_EXPIRE_ENTRY: u16 = 409;

/// The task-state bits `sched_switch` records for `prev_state`, and the
/// letters its print format turns them into (`TASK_REPORT` of v6.6; the bit
/// above them, 0x100, is a preemption: `R+`).
const STATES: [(u64, &str); 8] = [
    (0x01, "S"),
    (0x02, "D"),
    (0x04, "T"),
    (0x08, "t"),
    (0x10, "X"),
    (0x20, "Z"),
    (0x40, "P"),
    (0x80, "I"),
];
const PREEMPTED: u64 = 0x100;

fn formats(vruntime: bool) -> Vec<Format> {
    let state_flags: Vec<String> = STATES
        .iter()
        .map(|(b, l)| format!("{{ {b:#04x}, \"{l}\" }}"))
        .collect();
    let wake = |name, id| {
        Format {
        system: "sched",
        name,
        id,
        fields: vec![
            f("char comm[16]", 8, 16, false),
            f("pid_t pid", 24, 4, true),
            f("int prio", 28, 4, true),
            f("int target_cpu", 32, 4, true),
        ],
        print: "\"comm=%s pid=%d prio=%d target_cpu=%03d\", REC->comm, REC->pid, REC->prio, REC->target_cpu".into(),
    }
    };
    let mut runtime = vec![
        f("char comm[16]", 8, 16, false),
        f("pid_t pid", 24, 4, true),
        f("u64 runtime", 32, 8, false),
    ];
    let runtime_print = if vruntime {
        runtime.push(f("u64 vruntime", 40, 8, false));
        "\"comm=%s pid=%d runtime=%Lu [ns] vruntime=%Lu [ns]\", REC->comm, REC->pid, (unsigned long long)REC->runtime, (unsigned long long)REC->vruntime"
    } else {
        "\"comm=%s pid=%d runtime=%Lu [ns]\", REC->comm, REC->pid, (unsigned long long)REC->runtime"
    };
    vec![
        Format {
            system: "ftrace",
            name: "print",
            id: ID_PRINT,
            fields: vec![
                f("unsigned long ip", 8, 8, false),
                f("char buf[]", 16, 0, true),
            ],
            print: "\"%ps: %s\", REC->ip, REC->buf".into(),
        },
        Format {
            system: "sched",
            name: "sched_switch",
            id: ID_SWITCH,
            fields: vec![
                f("char prev_comm[16]", 8, 16, false),
                f("pid_t prev_pid", 24, 4, true),
                f("int prev_prio", 28, 4, true),
                f("long prev_state", 32, 8, true),
                f("char next_comm[16]", 40, 16, false),
                f("pid_t next_pid", 56, 4, true),
                f("int next_prio", 60, 4, true),
            ],
            print: format!(
                "\"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s next_pid=%d next_prio=%d\", REC->prev_comm, REC->prev_pid, REC->prev_prio, (REC->prev_state & 0xff) ? __print_flags(REC->prev_state & 0xff, \"|\", {}) : \"R\", REC->prev_state & {PREEMPTED:#x} ? \"+\" : \"\", REC->next_comm, REC->next_pid, REC->next_prio",
                state_flags.join(", ")
            ),
        },
        wake("sched_waking", ID_WAKING),
        wake("sched_wakeup", ID_WAKEUP),
        wake("sched_wakeup_new", ID_WAKEUP_NEW),
        Format {
            system: "sched",
            name: "sched_migrate_task",
            id: ID_MIGRATE,
            fields: vec![
                f("char comm[16]", 8, 16, false),
                f("pid_t pid", 24, 4, true),
                f("int prio", 28, 4, true),
                f("int orig_cpu", 32, 4, true),
                f("int dest_cpu", 36, 4, true),
            ],
            print: "\"comm=%s pid=%d prio=%d orig_cpu=%d dest_cpu=%d\", REC->comm, REC->pid, REC->prio, REC->orig_cpu, REC->dest_cpu".into(),
        },
        Format {
            system: "sched",
            name: "sched_stat_runtime",
            id: ID_RUNTIME,
            fields: runtime,
            print: runtime_print.into(),
        },
        Format {
            system: "sched",
            name: "sched_process_exit",
            id: ID_EXIT,
            fields: vec![
                f("char comm[16]", 8, 16, false),
                f("pid_t pid", 24, 4, true),
                f("int prio", 28, 4, true),
            ],
            print: "\"comm=%s pid=%d prio=%d\", REC->comm, REC->pid, REC->prio".into(),
        },
        Format {
            system: "timer",
            name: "hrtimer_expire_entry",
            id: ID_HRTIMER_EXPIRE_ENTRY,
            fields: vec![
                f("void * hrtimer", 8, 8, false),
                f("s64 now", 16, 8, true),
                f("void * function", 24, 8, false),
            ],
            print: "\"hrtimer=%p function=%ps now=%llu\", REC->hrtimer, REC->function, REC->now"
                .into(),
        },
    ]
}

/// The kernel's `events/header_page` for 64-bit longs and 4096-byte pages.
fn header_page() -> String {
    let data = PAGE_SIZE - PAGE_HEADER;
    format!(
        "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n\
         \tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n\
         \tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n\
         \tfield: char data;\toffset:{PAGE_HEADER};\tsize:{data};\tsigned:1;\n"
    )
}

/// The kernel's `events/header_event`: the record header's bit fields and
/// the special type/length values.
fn header_event() -> String {
    "# compressed entry header\n\
     \ttype_len    :    5 bits\n\
     \ttime_delta  :   27 bits\n\
     \tarray       :   32 bits\n\
     \n\
     \tpadding     : type == 29\n\
     \ttime_extend : type == 30\n\
     \ttime_stamp : type == 31\n\
     \tdata max type_len  == 28\n"
        .to_string()
}

/// `common_flags` and `common_preempt_count` from the text's flags column
/// (`d.h.`: irqs off, hardirq, preempt count 0). The bits are the kernel's
/// `TRACE_FLAG_*` of v6.6; a fifth character is the migrate-disable count,
/// kept in the high nibble of the preempt count as the kernel does.
fn flags_of(col: &str) -> Result<(u8, u8), String> {
    let bad = || format!("flags column '{col}' has a character this writer cannot encode");
    let mut flags = 0u8;
    let mut preempt = 0u8;
    for (i, c) in col.chars().enumerate() {
        match (i, c) {
            (_, '.') => {}
            (0, 'd') => flags |= 0x01,
            (0, 'X') => flags |= 0x02,
            (1, 'N') => flags |= 0x04 | 0x20,
            (1, 'n') => flags |= 0x04,
            (1, 'p') => flags |= 0x20,
            (2, 'Z') => flags |= 0x40 | 0x08,
            (2, 'z') => flags |= 0x40,
            (2, 'H') => flags |= 0x08 | 0x10,
            (2, 'h') => flags |= 0x08,
            (2, 's') => flags |= 0x10,
            (2, 'b') => flags |= 0x80,
            (3, d) if d.is_ascii_hexdigit() => preempt |= d.to_digit(16).unwrap_or(0) as u8,
            (4, d) if d.is_ascii_hexdigit() => preempt |= (d.to_digit(16).unwrap_or(0) as u8) << 4,
            _ => return Err(bad()),
        }
    }
    Ok((flags, preempt))
}

/// `prev_state` as `sched_switch` records it: `R`, `R+`, or letters joined
/// by `|`.
fn state_bits(s: &str) -> Result<u64, String> {
    match s {
        "R" => return Ok(0),
        "R+" => return Ok(PREEMPTED),
        _ => {}
    }
    let mut bits = 0;
    for part in s.split('|') {
        let (b, _) = STATES
            .iter()
            .find(|(_, l)| *l == part)
            .ok_or_else(|| format!("prev_state '{s}' is not a task state"))?;
        bits |= b;
    }
    Ok(bits)
}

/// A record's data under construction.
struct Rec(Vec<u8>);

impl Rec {
    fn new(id: u16, l: &Line) -> Result<Rec, String> {
        let (flags, preempt) = flags_of(&l.flags)?;
        let mut v = Vec::with_capacity(64);
        v.extend_from_slice(&id.to_le_bytes());
        v.push(flags);
        v.push(preempt);
        v.extend_from_slice(&l.pid.to_le_bytes());
        Ok(Rec(v))
    }
    /// A `char[16]` comm: at most 15 bytes and a NUL.
    fn comm(mut self, c: &str) -> Self {
        let mut b = [0u8; 16];
        let n = c.len().min(15);
        b[..n].copy_from_slice(&c.as_bytes()[..n]);
        self.0.extend_from_slice(&b);
        self
    }
    fn i32(mut self, x: i32) -> Self {
        self.0.extend_from_slice(&x.to_le_bytes());
        self
    }
    fn u64(mut self, x: u64) -> Self {
        self.0.extend_from_slice(&x.to_le_bytes());
        self
    }
}

/// The data of `l`'s record.
fn record(l: &Line) -> Result<Vec<u8>, String> {
    let wake = |id, w: &parse::Wake| -> Result<Vec<u8>, String> {
        let cpu = w.target_cpu.unwrap_or(l.cpu) as i32;
        Ok(Rec::new(id, l)?
            .comm(&w.comm)
            .i32(w.pid)
            .i32(w.prio)
            .i32(cpu)
            .0)
    };
    Ok(match &l.event {
        Event::Switch {
            prev_comm,
            prev_pid,
            prev_prio,
            prev_state,
            next_comm,
            next_pid,
            next_prio,
        } => {
            Rec::new(ID_SWITCH, l)?
                .comm(prev_comm)
                .i32(*prev_pid)
                .i32(*prev_prio)
                .u64(state_bits(prev_state)?)
                .comm(next_comm)
                .i32(*next_pid)
                .i32(*next_prio)
                .0
        }
        Event::Waking(w) => wake(ID_WAKING, w)?,
        Event::Wakeup(w) => wake(ID_WAKEUP, w)?,
        Event::WakeupNew(w) => wake(ID_WAKEUP_NEW, w)?,
        Event::Migrate {
            comm,
            pid,
            prio,
            orig_cpu,
            dest_cpu,
        } => {
            Rec::new(ID_MIGRATE, l)?
                .comm(comm)
                .i32(*pid)
                .i32(*prio)
                .i32(*orig_cpu as i32)
                .i32(*dest_cpu as i32)
                .0
        }
        Event::Runtime {
            comm,
            pid,
            runtime,
            vruntime,
        } => {
            // `runtime` is 8-aligned at offset 32: 4 bytes of padding.
            let r = Rec::new(ID_RUNTIME, l)?
                .comm(comm)
                .i32(*pid)
                .i32(0)
                .u64(*runtime);
            match vruntime {
                Some(v) => r.u64(*v).0,
                None => r.0,
            }
        }
        Event::Exit { comm, pid, prio } => Rec::new(ID_EXIT, l)?.comm(comm).i32(*pid).i32(*prio).0,
        Event::Tick => {
            Rec::new(ID_HRTIMER_EXPIRE_ENTRY, l)?
                .u64(tick_hrtimer(l.cpu as usize))
                .u64(l.ts)
                .u64(TICK_SCHED_TIMER)
                .0
        }
        Event::Mark(text) => {
            // As `tracing_mark_write` stores it: the text, a newline and a NUL.
            let mut r = Rec::new(ID_PRINT, l)?.u64(TRACING_MARK_WRITE).0;
            r.extend_from_slice(text.as_bytes());
            r.extend_from_slice(b"\n\0");
            r
        }
        Event::Place(_) | Event::Other(_) => {
            return Err(format!(
                "line {}: an event the lab does not write has no trace.dat format here",
                l.no
            ))
        }
    })
}

/// One CPU's ring-buffer pages.
#[derive(Default)]
struct CpuPages {
    data: Vec<u8>,
    /// Where the open page starts in `data`, if one is open.
    page: Option<usize>,
    /// Bytes of records in the open page.
    commit: usize,
    /// The timestamp the next record's delta counts from.
    last: u64,
}

impl CpuPages {
    fn close(&mut self) {
        if let Some(p) = self.page.take() {
            self.data[p + 8..p + 16].copy_from_slice(&(self.commit as u64).to_le_bytes());
        }
    }

    fn push(&mut self, ts: u64, payload: &[u8]) -> Result<(), String> {
        if self.page.is_some() && ts < self.last {
            return Err(format!(
                "time goes back on a CPU ({} ns after {} ns)",
                ts, self.last
            ));
        }
        let padded = payload.len().div_ceil(4) * 4;
        let (type_len, len) = if padded <= MAX_SMALL_DATA {
            ((padded / 4) as u32, 4 + padded)
        } else {
            (0, 8 + padded)
        };
        let delta = ts.saturating_sub(self.last);
        let extend = delta >> DELTA_BITS != 0;
        let need = len + if extend { 8 } else { 0 };
        if need > PAGE_SIZE - PAGE_HEADER {
            return Err(format!(
                "a record of {} bytes does not fit a page",
                payload.len()
            ));
        }
        let delta = match self.page {
            Some(_) if self.commit + need <= PAGE_SIZE - PAGE_HEADER => {
                if extend {
                    let low = (delta & ((1 << DELTA_BITS) - 1)) as u32;
                    let word = TYPE_TIME_EXTEND | (low << 5);
                    self.put(&word.to_le_bytes());
                    self.put(&((delta >> DELTA_BITS) as u32).to_le_bytes());
                    0
                } else {
                    delta as u32
                }
            }
            _ => {
                // A new page: its timestamp is this record's time.
                self.close();
                let p = self.data.len();
                self.data.resize(p + PAGE_SIZE, 0);
                self.data[p..p + 8].copy_from_slice(&ts.to_le_bytes());
                self.page = Some(p);
                self.commit = 0;
                0
            }
        };
        self.last = ts;
        self.put(&(type_len | (delta << 5)).to_le_bytes());
        if type_len == 0 {
            self.put(&((padded + 4) as u32).to_le_bytes());
        }
        self.put(payload);
        self.put(&[0u8; 3][..padded - payload.len()]);
        Ok(())
    }

    fn put(&mut self, b: &[u8]) {
        let p = self.page.unwrap_or(0) + PAGE_HEADER + self.commit;
        self.data[p..p + b.len()].copy_from_slice(b);
        self.commit += b.len();
    }
}

/// The CPU count a lab trace's header gives (`ncpus=N`), if any.
fn header_ncpus(t: &Trace) -> Option<u32> {
    t.comments.iter().find_map(|c| {
        c.split_whitespace()
            .find_map(|w| w.strip_prefix("ncpus="))
            .and_then(|n| n.parse().ok())
    })
}

/// `trace` as a trace.dat file of version 6.
pub fn to_dat(trace: &Trace) -> Result<Vec<u8>, String> {
    let seen = trace.lines.iter().map(|l| l.cpu + 1).max().unwrap_or(1);
    let ncpus = header_ncpus(trace).unwrap_or(seen).max(seen) as usize;
    let with_v = trace.lines.iter().any(|l| {
        matches!(
            l.event,
            Event::Runtime {
                vruntime: Some(_),
                ..
            }
        )
    });
    let without_v = trace
        .lines
        .iter()
        .any(|l| matches!(l.event, Event::Runtime { vruntime: None, .. }));
    if with_v && without_v {
        return Err("sched_stat_runtime lines with and without vruntime= in one trace".into());
    }

    // The records, per CPU.
    let mut cpus: Vec<CpuPages> = (0..ncpus).map(|_| CpuPages::default()).collect();
    let mut comms: BTreeMap<i32, String> = BTreeMap::new();
    for l in &trace.lines {
        let rec = record(l)?;
        cpus[l.cpu as usize]
            .push(l.ts, &rec)
            .map_err(|e| format!("line {}: {e}", l.no))?;
        if l.pid != 0 {
            comms.entry(l.pid).or_insert_with(|| l.comm.clone());
        }
        // The tasks a record names, not only the ones that wrote it.
        let mut name = |pid: i32, comm: &str| {
            if pid != 0 {
                comms.entry(pid).or_insert_with(|| comm.to_string());
            }
        };
        match &l.event {
            Event::Switch {
                prev_comm,
                prev_pid,
                next_comm,
                next_pid,
                ..
            } => {
                name(*prev_pid, prev_comm);
                name(*next_pid, next_comm);
            }
            Event::Waking(w) | Event::Wakeup(w) | Event::WakeupNew(w) => name(w.pid, &w.comm),
            Event::Migrate { comm, pid, .. }
            | Event::Runtime { comm, pid, .. }
            | Event::Exit { comm, pid, .. } => name(*pid, comm),
            _ => {}
        }
    }
    cpus.iter_mut().for_each(CpuPages::close);
    // The stopper threads keep their names even where the text shows none.
    for c in 0..ncpus {
        comms
            .entry(migration_pid(c))
            .or_insert_with(|| format!("migration/{c}"));
    }

    let mut out = Vec::new();
    out.extend_from_slice(&[0x17, 0x08, 0x44]);
    out.extend_from_slice(b"tracing6\0");
    out.push(0); // little endian
    out.push(8); // long
    out.extend_from_slice(&(PAGE_SIZE as u32).to_le_bytes());
    let text64 = |out: &mut Vec<u8>, s: &str| {
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    out.extend_from_slice(b"header_page\0");
    text64(&mut out, &header_page());
    out.extend_from_slice(b"header_event\0");
    text64(&mut out, &header_event());

    let fmts = formats(with_v);
    let ftrace: Vec<&Format> = fmts.iter().filter(|x| x.system == "ftrace").collect();
    out.extend_from_slice(&(ftrace.len() as u32).to_le_bytes());
    for x in ftrace {
        text64(&mut out, &x.text());
    }
    let mut systems: Vec<&str> = Vec::new();
    for x in fmts.iter().filter(|x| x.system != "ftrace") {
        if !systems.contains(&x.system) {
            systems.push(x.system);
        }
    }
    out.extend_from_slice(&(systems.len() as u32).to_le_bytes());
    for s in systems {
        out.extend_from_slice(s.as_bytes());
        out.push(0);
        let evs: Vec<&Format> = fmts.iter().filter(|x| x.system == s).collect();
        out.extend_from_slice(&(evs.len() as u32).to_le_bytes());
        for x in evs {
            text64(&mut out, &x.text());
        }
    }

    let kallsyms = format!(
        "{TICK_SCHED_TIMER:016x} T tick_sched_timer\n{TRACING_MARK_WRITE:016x} T tracing_mark_write\n"
    );
    out.extend_from_slice(&(kallsyms.len() as u32).to_le_bytes());
    out.extend_from_slice(kallsyms.as_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // printk formats
    let cmdlines: String = comms
        .iter()
        .map(|(pid, comm)| format!("{pid} {comm}\n"))
        .collect();
    text64(&mut out, &cmdlines);
    out.extend_from_slice(&(ncpus as u32).to_le_bytes());
    out.extend_from_slice(b"flyrecord\0");

    let table = out.len();
    let mut at = (table + 16 * ncpus).div_ceil(PAGE_SIZE) * PAGE_SIZE;
    for c in &cpus {
        out.extend_from_slice(&(at as u64).to_le_bytes());
        out.extend_from_slice(&(c.data.len() as u64).to_le_bytes());
        at += c.data.len();
    }
    out.resize(out.len().div_ceil(PAGE_SIZE) * PAGE_SIZE, 0);
    for c in &cpus {
        out.extend_from_slice(&c.data);
    }
    Ok(out)
}

/// A lab trace's text as a trace.dat file.
pub fn from_text(text: &str) -> Result<Vec<u8>, String> {
    let t = parse::parse(text).map_err(|e| e.to_string())?;
    to_dat(&t)
}

#[cfg(test)]
mod tests {
    //! A small reader of the files this module writes, written from the
    //! format's description: it takes field offsets from the format texts
    //! (not from the writer's tables), walks the flyrecord pages record by
    //! record, and turns each record back into an event of the lab's parser.
    use super::*;
    use crate::sim::Params;
    use crate::trace::{record, write};

    struct Bytes<'a> {
        b: &'a [u8],
        at: usize,
    }

    impl<'a> Bytes<'a> {
        fn take(&mut self, n: usize) -> &'a [u8] {
            let s = &self.b[self.at..self.at + n];
            self.at += n;
            s
        }
        fn u32(&mut self) -> u32 {
            u32::from_le_bytes(self.take(4).try_into().unwrap())
        }
        fn u64(&mut self) -> u64 {
            u64::from_le_bytes(self.take(8).try_into().unwrap())
        }
        fn cstr(&mut self) -> String {
            let n = self.b[self.at..].iter().position(|&c| c == 0).unwrap();
            let s = String::from_utf8(self.take(n).to_vec()).unwrap();
            self.at += 1;
            s
        }
        fn text(&mut self, n: usize) -> String {
            String::from_utf8(self.take(n).to_vec()).unwrap()
        }
    }

    /// An event's name and its fields' offsets and sizes, from its format text.
    struct Fmt {
        name: String,
        fields: BTreeMap<String, (usize, usize)>,
    }

    fn parse_format(text: &str) -> (u16, Fmt) {
        let mut id = None;
        let mut name = String::new();
        let mut fields = BTreeMap::new();
        for l in text.lines() {
            if let Some(n) = l.strip_prefix("name: ") {
                name = n.to_string();
            } else if let Some(i) = l.strip_prefix("ID: ") {
                id = Some(i.parse().unwrap());
            } else if let Some(rest) = l.trim().strip_prefix("field:") {
                let parts: Vec<&str> = rest.split(';').map(str::trim).collect();
                let decl = parts[0];
                let fname = decl
                    .rsplit(' ')
                    .next()
                    .unwrap()
                    .split('[')
                    .next()
                    .unwrap()
                    .to_string();
                let num = |key: &str| -> usize {
                    parts
                        .iter()
                        .find_map(|p| p.strip_prefix(key))
                        .unwrap()
                        .parse()
                        .unwrap()
                };
                fields.insert(fname, (num("offset:"), num("size:")));
            }
        }
        (id.unwrap(), Fmt { name, fields })
    }

    /// What the reader found: the formats by id, the cmdlines, kallsyms and
    /// the records as (CPU, timestamp, data); and the commits of the pages.
    struct Read {
        fmts: BTreeMap<u16, Fmt>,
        cmdlines: BTreeMap<i32, String>,
        kallsyms: BTreeMap<u64, String>,
        records: Vec<(u32, u64, Vec<u8>)>,
        commits: Vec<usize>,
        extends: usize,
        long_records: usize,
    }

    fn read(dat: &[u8]) -> Read {
        let mut r = Bytes { b: dat, at: 0 };
        assert_eq!(r.take(10), b"\x17\x08\x44tracing");
        assert_eq!(r.cstr(), "6");
        assert_eq!(r.take(2), &[0, 8], "little endian, 8-byte longs");
        assert_eq!(r.u32(), 4096);
        assert_eq!(r.cstr(), "header_page");
        let n = r.u64() as usize;
        let hp = r.text(n);
        assert!(
            hp.contains("field: local_t commit;\toffset:8;\tsize:8;"),
            "{hp}"
        );
        assert_eq!(r.cstr(), "header_event");
        let n = r.u64() as usize;
        assert!(r.text(n).contains("time_extend : type == 30"));
        let mut fmts = BTreeMap::new();
        for _ in 0..r.u32() {
            let n = r.u64() as usize;
            let (id, f) = parse_format(&r.text(n));
            fmts.insert(id, f);
        }
        for _ in 0..r.u32() {
            let _system = r.cstr();
            for _ in 0..r.u32() {
                let n = r.u64() as usize;
                let (id, f) = parse_format(&r.text(n));
                assert!(fmts.insert(id, f).is_none(), "id {id} twice");
            }
        }
        let n = r.u32() as usize;
        let kallsyms = r
            .text(n)
            .lines()
            .map(|l| {
                let w: Vec<&str> = l.split(' ').collect();
                (u64::from_str_radix(w[0], 16).unwrap(), w[2].to_string())
            })
            .collect();
        let n = r.u32() as usize;
        r.take(n);
        let n = r.u64() as usize;
        let cmdlines = r
            .text(n)
            .lines()
            .map(|l| {
                let (p, c) = l.split_once(' ').unwrap();
                (p.parse().unwrap(), c.to_string())
            })
            .collect();
        let ncpus = r.u32();
        assert_eq!(r.take(10), b"flyrecord\0");
        let table: Vec<(usize, usize)> = (0..ncpus)
            .map(|_| (r.u64() as usize, r.u64() as usize))
            .collect();
        let mut out = Read {
            fmts,
            cmdlines,
            kallsyms,
            records: Vec::new(),
            commits: Vec::new(),
            extends: 0,
            long_records: 0,
        };
        for (cpu, &(off, size)) in table.iter().enumerate() {
            assert_eq!(off % 4096, 0, "CPU {cpu}'s data is page aligned");
            assert_eq!(size % 4096, 0, "CPU {cpu}'s data is whole pages");
            for page in dat[off..off + size].chunks(4096) {
                let mut p = Bytes { b: page, at: 0 };
                let mut ts = p.u64();
                let commit = p.u64() as usize;
                assert!(commit <= 4080, "commit {commit}");
                out.commits.push(commit);
                while p.at < 16 + commit {
                    let word = p.u32();
                    let (type_len, delta) = (word & 31, (word >> 5) as u64);
                    match type_len {
                        30 => {
                            ts += delta + ((p.u32() as u64) << 27);
                            out.extends += 1;
                        }
                        29 | 31 => panic!("type {type_len} is never written"),
                        0 => {
                            ts += delta;
                            let len = p.u32() as usize - 4;
                            out.long_records += 1;
                            out.records.push((cpu as u32, ts, p.take(len).to_vec()));
                        }
                        n => {
                            ts += delta;
                            out.records
                                .push((cpu as u32, ts, p.take(n as usize * 4).to_vec()));
                        }
                    }
                }
                assert_eq!(p.at, 16 + commit, "records end at the commit");
            }
        }
        out
    }

    /// A record back as the lab's parser would have read its line.
    fn decode(rd: &Read, cpu: u32, ts: u64, data: &[u8]) -> Line {
        let id = u16::from_le_bytes([data[0], data[1]]);
        let fmt = &rd.fmts[&id];
        let get = |name: &str| -> &[u8] {
            let (o, s) = fmt.fields[name];
            if s == 0 {
                &data[o..]
            } else {
                &data[o..o + s]
            }
        };
        let int = |name: &str| -> i64 {
            let b = get(name);
            match b.len() {
                4 => i32::from_le_bytes(b.try_into().unwrap()) as i64,
                8 => i64::from_le_bytes(b.try_into().unwrap()),
                n => panic!("{name}: {n} bytes"),
            }
        };
        let s = |name: &str| -> String {
            let b = get(name);
            let n = b.iter().position(|&c| c == 0).unwrap_or(b.len());
            String::from_utf8(b[..n].to_vec()).unwrap()
        };
        let wake = || parse::Wake {
            comm: s("comm"),
            pid: int("pid") as i32,
            prio: int("prio") as i32,
            target_cpu: Some(int("target_cpu") as u32),
        };
        let event = match fmt.name.as_str() {
            "sched_switch" => {
                let st = int("prev_state") as u64;
                let letters: Vec<&str> = "SDTtXZPI"
                    .char_indices()
                    .filter(|(i, _)| st & (1 << i) != 0)
                    .map(|(i, _)| &"SDTtXZPI"[i..i + 1])
                    .collect();
                let mut state = if letters.is_empty() {
                    "R".to_string()
                } else {
                    letters.join("|")
                };
                if st & 0x100 != 0 {
                    state.push('+');
                }
                Event::Switch {
                    prev_comm: s("prev_comm"),
                    prev_pid: int("prev_pid") as i32,
                    prev_prio: int("prev_prio") as i32,
                    prev_state: state,
                    next_comm: s("next_comm"),
                    next_pid: int("next_pid") as i32,
                    next_prio: int("next_prio") as i32,
                }
            }
            "sched_waking" => Event::Waking(wake()),
            "sched_wakeup" => Event::Wakeup(wake()),
            "sched_wakeup_new" => Event::WakeupNew(wake()),
            "sched_migrate_task" => Event::Migrate {
                comm: s("comm"),
                pid: int("pid") as i32,
                prio: int("prio") as i32,
                orig_cpu: int("orig_cpu") as u32,
                dest_cpu: int("dest_cpu") as u32,
            },
            "sched_stat_runtime" => Event::Runtime {
                comm: s("comm"),
                pid: int("pid") as i32,
                runtime: int("runtime") as u64,
                vruntime: fmt
                    .fields
                    .contains_key("vruntime")
                    .then(|| int("vruntime") as u64),
            },
            "sched_process_exit" => Event::Exit {
                comm: s("comm"),
                pid: int("pid") as i32,
                prio: int("prio") as i32,
            },
            "hrtimer_expire_entry" => {
                assert_eq!(rd.kallsyms[&(int("function") as u64)], "tick_sched_timer");
                assert_eq!(int("now") as u64, ts);
                assert_eq!(int("hrtimer") as u64, write::tick_hrtimer(cpu as usize));
                Event::Tick
            }
            "print" => {
                assert_eq!(rd.kallsyms[&(int("ip") as u64)], "tracing_mark_write");
                let t = s("buf");
                Event::Mark(t.strip_suffix('\n').unwrap().to_string())
            }
            n => panic!("event {n}"),
        };
        let pid = i32::from_le_bytes(data[4..8].try_into().unwrap());
        let flags: String = [
            if data[2] & 0x01 != 0 { 'd' } else { '.' },
            '.',
            if data[2] & 0x08 != 0 { 'h' } else { '.' },
            '.',
        ]
        .iter()
        .collect();
        Line {
            no: 0,
            comm: if pid == 0 {
                "<idle>".into()
            } else {
                rd.cmdlines[&pid].clone()
            },
            pid,
            cpu,
            flags,
            ts,
            event,
        }
    }

    /// Every line of `text` comes back from its trace.dat, CPU by CPU in
    /// order, field for field; returns what the reader saw.
    fn round_trip(text: &str) -> Read {
        let t = parse::parse(text).unwrap();
        let dat = from_text(text).unwrap();
        let rd = read(&dat);
        assert_eq!(rd.records.len(), t.lines.len());
        let cpus = t.lines.iter().map(|l| l.cpu).max().unwrap_or(0);
        for cpu in 0..=cpus {
            let want: Vec<Line> = t
                .lines
                .iter()
                .filter(|l| l.cpu == cpu)
                .map(|l| Line { no: 0, ..l.clone() })
                .collect();
            let got: Vec<Line> = rd
                .records
                .iter()
                .filter(|r| r.0 == cpu)
                .map(|(c, ts, d)| decode(&rd, *c, *ts, d))
                .collect();
            assert_eq!(got.len(), want.len(), "CPU {cpu}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g, w);
            }
        }
        rd
    }

    fn params(secs: f64) -> Params {
        Params {
            seed: 1,
            secs,
            ..Params::default()
        }
    }

    #[test]
    fn lab_runs_come_back_from_their_trace_dat_line_for_line() {
        // Under 6.6 (`vruntime=`), 7.1 (no `vruntime=`), one with active
        // balance's stopper switches and one with migrations.
        for (name, variant, what) in [
            ("vhost", "linux-6.6", " vruntime="),
            ("vcpu", "linux-7.1", "sched_stat_runtime"),
            ("aio", "linux-6.6", "next_comm=migration/"),
            ("hlt", "hlt-preempted", "sched_migrate_task"),
        ] {
            let s = crate::builtin::SCENARIOS
                .iter()
                .find(|s| s.name == name)
                .unwrap();
            let (text, _) = record(s, variant, &params(0.2));
            assert!(text.contains(what), "{name} {variant} has {what}");
            if name == "vcpu" {
                assert!(!text.contains(" vruntime="));
            }
            let rd = round_trip(&text);
            // Many pages, each filled up to the record that did not fit.
            assert!(rd.commits.len() > 10, "{name}: {} pages", rd.commits.len());
            let full = rd.commits.iter().filter(|&&c| c > 4080 - 120).count();
            assert!(full >= rd.commits.len() - 8, "{name}: {:?}", rd.commits);
        }
    }

    #[test]
    fn long_gaps_take_a_time_extend_and_long_marks_a_length_word() {
        let long = "x".repeat(200);
        let text = format!(
            "\
  a-100 [000] d... 0.000001000: sched_waking: comm=a pid=100 prio=120 target_cpu=000
  a-100 [000] .... 0.900000007: tracing_mark_write: C|100|{long}|1
  a-100 [000] d.h. 5.000000000: hrtimer_expire_entry: hrtimer=ffff888000000000 function=tick_sched_timer now=5000000000
  b-101 [001] d... 0.000002000: sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=b next_pid=101 next_prio=120
  b-101 [001] d... 0.000002000: sched_switch: prev_comm=b prev_pid=101 prev_prio=120 prev_state=R+ ==> next_comm=c next_pid=102 next_prio=120
  c-102 [001] d... 0.000002000: sched_switch: prev_comm=c prev_pid=102 prev_prio=120 prev_state=D|I ==> next_comm=b next_pid=101 next_prio=120
"
        );
        let rd = round_trip(&text);
        // 0.9 s and 4.1 s are more than 2^27 ns (0.134 s) on CPU 0.
        assert_eq!(rd.extends, 2);
        assert_eq!(rd.long_records, 1);
        assert_eq!(rd.cmdlines[&101], "b");
    }

    #[test]
    fn what_the_format_cannot_hold_is_an_error() {
        let back = "  a-100 [000] d... 0.2: sched_waking: comm=a pid=100 prio=120 target_cpu=000
  a-100 [000] d... 0.1: sched_waking: comm=a pid=100 prio=120 target_cpu=000
";
        let e = from_text(back).unwrap_err();
        assert!(e.starts_with("line 2: time goes back"), "{e}");
        let state = "  a-100 [000] d... 0.1: sched_switch: prev_comm=a prev_pid=100 prev_prio=120 prev_state=Q ==> next_comm=b next_pid=101 next_prio=120\n";
        assert!(from_text(state).unwrap_err().contains("prev_state 'Q'"));
        let other = "  a-100 [000] d... 0.1: irq_handler_entry: irq=1 name=x\n";
        assert!(from_text(other).unwrap_err().contains("line 1:"));
    }
}
