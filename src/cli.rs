//! The command line (SPEC §7): clap commands → library calls, progress bars and exit codes. `run`
//! dispatches; each subcommand is one function below it, printing a `views` shape (`--json`) or
//! a table for people.
//!
//! Exit codes: 0 success (an import with rejected rows included), 1 runtime failure (store in
//! use, I/O), 2 unusable input (unknown id, unreadable file, bad flag). With `--json`, results
//! print in the HTTP API's shapes and failures print the API's error body on stderr.

use crate::app::App;
use crate::error::Error;
use crate::import::ImportReport;
use crate::views;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

mod geo;
mod projects;

const DEFAULT_DATA: &str = "./index";

#[derive(Parser)]
#[command(
    name = "chainscout",
    version,
    about = "产业链招商图谱: industry-chain maps, enterprise search and investment leads"
)]
struct Cli {
    /// Data directory holding the sled store and the search index (with --store: the index only).
    #[arg(long, global = true, env = "CHAINSCOUT_DATA")]
    data: Option<PathBuf>,
    /// Keep the records in a shared PostgreSQL database (SPEC §12), e.g.
    /// postgres://chainscout@db:5432/chainscout; several processes may then serve one store.
    #[arg(long, global = true, env = "CHAINSCOUT_STORE", value_name = "URL")]
    store: Option<String>,
    /// Print results (and errors, on stderr) as JSON in the HTTP API's shapes.
    #[arg(long, global = true)]
    json: bool,
    /// Write logs as JSON lines.
    #[arg(long, global = true, env = "CHAINSCOUT_LOG_JSON")]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

/// A finite number (`NaN`, `inf` and `1e309` parse as `f64` but bound nothing).
fn finite_number(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n),
        _ => Err(format!("{s:?} is not a finite number")),
    }
}

/// `chainscout search 电池 | head` ends quietly when `head` has read enough, as Unix tools do:
/// Rust ignores SIGPIPE, so printing to the closed pipe panicked with a backtrace. Not for
/// `serve`, whose sockets must see a closed peer as an error, not a signal.
fn quiet_on_closed_pipe() {
    // SAFETY: sets a signal disposition to its default before any other thread runs; no
    // handler of ours is involved.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// A search page size: 0 (counts only) to `search::MAX_LIMIT`, as the API takes it.
fn search_limit(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n <= crate::search::MAX_LIMIT => Ok(n),
        Ok(_) => Err(format!("a page holds at most {}; page with --offset", crate::search::MAX_LIMIT)),
        Err(_) => Err(format!("{s:?} is not a whole number")),
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service. The default data dir, when empty, gets the demo.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Let anonymous callers read.
        #[arg(long)]
        public_read: bool,
        /// Load the demo into an empty data dir other than the default.
        #[arg(long)]
        demo: bool,
        /// Largest JSON request body, in KiB.
        #[arg(long, env = "CHAINSCOUT_JSON_LIMIT_KB", default_value_t = 1024)]
        json_limit_kb: usize,
        /// Largest import body, in MiB.
        #[arg(long, env = "CHAINSCOUT_IMPORT_LIMIT_MB", default_value_t = 50)]
        import_limit_mb: usize,
        /// Search results kept for repeated queries, per half of the cache (0 turns it off); every
        /// index change empties it.
        #[arg(long, env = "CHAINSCOUT_SEARCH_CACHE", default_value_t = crate::search::DEFAULT_CACHE_ENTRIES)]
        search_cache: usize,
        /// Matches a relevance-ranked search of words walks (about; each index segment may walk
        /// SPEC §5's exact 10,000 at least) before it stops and answers the best of them with a
        /// lower-bound total. Lower answers the broadest words sooner; higher ranks them over more.
        #[arg(long, env = "CHAINSCOUT_SEARCH_WALK", default_value_t = crate::search::RANKED_WALK_LIMIT)]
        search_walk: u64,
    },
    /// Import chains, enterprises or the bundled demo.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Write synthetic enterprises (labelled synthetic) as JSON Lines.
    #[command(name = "gen")]
    Generate {
        #[arg(long)]
        enterprises: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// List chains with link counts by status.
    Chains,
    /// One chain: its links with status and local enterprises.
    Chain {
        id: String,
        /// Local enterprises listed per link.
        #[arg(long, default_value_t = 5)]
        per_link: usize,
    },
    /// Ranked leads for a chain (补链 / 延链 / 强链) with reasons.
    Leads {
        chain: String,
        /// fill, extend or strengthen (or 补链, 延链, 强链).
        #[arg(long)]
        kind: Option<String>,
        /// Only this link id.
        #[arg(long)]
        link: Option<String>,
        /// Only candidates in this region (code or name: 广东, 440300, 深圳市).
        #[arg(long)]
        region: Option<String>,
        /// Leads to show (default 50; with --out, the whole list).
        #[arg(long)]
        limit: Option<usize>,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Date signals are aged from (default today), YYYY-MM-DD.
        #[arg(long)]
        as_of: Option<String>,
        /// Write the list to FILE.xlsx or FILE.csv as well.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// 招商地图: where a chain's candidates are, per province or city (and the map as SVG).
    Geo {
        chain: String,
        /// province (default) or city.
        #[arg(long)]
        level: Option<String>,
        /// Only this region's candidates (a province, for a city-level map of it).
        #[arg(long)]
        within: Option<String>,
        /// Only this link id.
        #[arg(long)]
        link: Option<String>,
        /// fill, extend or strengthen (or 补链, 延链, 强链).
        #[arg(long)]
        kind: Option<String>,
        /// Write the map picture (A4 landscape) to FILE.svg as well.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// 区域对标: the chain's link statuses here beside REGION's, and where to go for 补链.
    Compare {
        chain: String,
        /// The region to compare with (code or name); without it, only where to go.
        region: Option<String>,
        /// Rank destinations by province (default) or city.
        #[arg(long)]
        level: Option<String>,
        /// Destinations listed.
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Stop suggesting an enterprise for a chain.
    Dismiss {
        chain: String,
        /// Enterprise id (E00000042).
        enterprise: String,
        #[arg(long)]
        reason: String,
        /// Who dismisses it (for the audit trail).
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Search enterprises (and chain links) in Chinese.
    Search {
        /// Words to look for: names or any 2+ character part, short names, products, places, codes.
        #[arg(num_args = 0..)]
        query: Vec<String>,
        /// Region code or name (a code matches everything inside it).
        #[arg(long)]
        region: Option<String>,
        /// Tag (repeat for several; all must match).
        #[arg(long)]
        tag: Vec<String>,
        #[arg(long)]
        chain: Option<String>,
        /// CHAIN/LINK.
        #[arg(long)]
        link: Option<String>,
        /// Registered capital at least, in 万元.
        #[arg(long, value_parser = finite_number)]
        capital_min: Option<f64>,
        #[arg(long, value_parser = finite_number)]
        capital_max: Option<f64>,
        /// Only listed (true) or unlisted (false) enterprises.
        #[arg(long)]
        listed: Option<bool>,
        #[arg(long, value_enum, default_value = "relevance")]
        sort: SortArg,
        #[arg(long, default_value_t = 20, value_parser = search_limit)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
    },
    /// Rebuild the graph and the search index from the store.
    Reindex,
    /// Check the store is whole and the graph and index agree with it (exit 1 if not).
    Check,
    /// Write a consistent snapshot of the store (JSON lines). Use the API's backup while a
    /// server holds the data dir.
    Backup { file: PathBuf },
    /// Load a backup into an empty data dir.
    Restore { file: PathBuf },
    /// API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// What the data directory holds: chains, enterprises, size on disk.
    Info,
    /// 招商单位 and their yearly targets (SPEC §10).
    Units {
        #[command(subcommand)]
        action: projects::UnitsAction,
    },
    /// Projects from lead to producing plant: list, show, add, record an event.
    Projects {
        #[command(subcommand)]
        action: projects::ProjectsAction,
    },
    /// The monthly 通报: ranked units with scores, cards, rates, warnings and 撞单.
    Report {
        /// YYYY-MM
        #[arg(long)]
        month: String,
        #[arg(long)]
        unit: Option<String>,
        /// Write the workbook (汇总, 项目明细, 预警, 撞单) to FILE.xlsx as well.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Publish (freeze) the month.
        #[arg(long)]
        publish: bool,
    },
    /// Open 撞单: two units pursuing one enterprise.
    Conflicts,
}

#[derive(Subcommand)]
enum TokenAction {
    /// Create a token; it is printed on the last line, once.
    Create {
        /// viewer, analyst or admin
        #[arg(long)]
        role: crate::model::Role,
        #[arg(long)]
        name: String,
        /// A unit: the token then writes (and reads) only that unit's subtree's projects
        #[arg(long)]
        unit: Option<String>,
    },
}

/// Writes a secret readable by the owner only.
fn write_secret(path: &Path, secret: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(|e| Error::io(path, e))?;
    writeln!(f, "{secret}").map_err(|e| Error::io(path, e))?;
    Ok(())
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SortArg {
    Relevance,
    Capital,
}

#[derive(Subcommand)]
enum ImportWhat {
    /// The bundled demo chains and enterprises.
    Demo,
    /// Chain map files (.toml) or directories of them.
    Chains {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Enterprises from .csv, .xlsx, .xls or .jsonl.
    Enterprises {
        file: PathBuf,
        /// Sheet name in a workbook (default: the first sheet).
        #[arg(long)]
        sheet: Option<String>,
        /// Header names for a headerless file, one per column, comma-separated
        /// (`序号,统一社会信用代码,企业名称,法定代表人,省`): every row is data.
        #[arg(long, value_delimiter = ',')]
        columns: Option<Vec<String>>,
        /// Show the column mapping, the first rows as they would be stored and the report;
        /// store nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Entry point for `main`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    init_logging(cli.log_json);
    if !matches!(cli.command, Command::Serve { .. }) {
        quiet_on_closed_pipe();
    }
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = match (e.downcast_ref::<Error>(), e.downcast_ref::<UsageError>()) {
                (Some(e), _) => e.code(),
                (None, Some(_)) => crate::error::Code::InvalidParameter,
                (None, None) => crate::error::Code::Internal,
            };
            if json {
                let body = serde_json::json!({"error": {"code": code, "message": format!("{e:#}")}});
                eprintln!("{body}");
            } else {
                eprintln!("chainscout: {e:#}");
            }
            ExitCode::from(code.exit_code())
        }
    }
}

/// A bad argument found after parsing (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

/// Logs go to stderr; `CHAINSCOUT_LOG` sets the filter (default `info`), `--log-json` (or
/// `CHAINSCOUT_LOG_JSON=1`) makes them one JSON object per line for log collectors.
fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CHAINSCOUT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour only on a terminal: logs redirected to a file stay plain text.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

fn progress_bar(message: &'static str) -> impl FnMut(usize, usize) {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    move |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        if done == total {
            bar.finish_and_clear();
        }
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// What every command needs: the data dir and whether to print JSON.
struct Ctx {
    data: PathBuf,
    /// A PostgreSQL store's URL (`--store`); `None`: sled in the data dir.
    store: Option<String>,
    json: bool,
}

impl Ctx {
    /// Where the records and the index are.
    fn at(&self) -> crate::store::Location {
        crate::store::Location { data: self.data.clone(), store: self.store.clone() }
    }

    /// Prints `value` as JSON when asked, else runs `human`.
    fn print<T: serde::Serialize>(&self, value: &T, human: impl FnOnce(&T)) -> anyhow::Result<()> {
        if self.json {
            print_json(value)
        } else {
            human(value);
            Ok(())
        }
    }
}

/// A shared parameter (`crate::params`) as a usage error naming the flag.
fn flag<T>(r: Result<T, crate::params::BadParam>) -> anyhow::Result<T> {
    r.map_err(|e| UsageError(format!("--{}: {}", e.name.replace('_', "-"), e.message)).into())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let explicit_data = cli.data.is_some();
    let ctx = Ctx {
        data: cli.data.unwrap_or_else(|| PathBuf::from(DEFAULT_DATA)),
        store: cli.store.filter(|s| !s.trim().is_empty()),
        json: cli.json,
    };
    match cli.command {
        Command::Generate { enterprises, seed, out } => generate(&ctx, enterprises, seed, &out),
        Command::Serve {
            addr,
            public_read,
            demo,
            json_limit_kb,
            import_limit_mb,
            search_cache,
            search_walk,
        } => {
            let limits =
                crate::api::Limits { json: json_limit_kb * 1024, import: import_limit_mb * 1024 * 1024 };
            let search = SearchTuning { cache: search_cache, walk: search_walk };
            serve(&ctx.at(), !explicit_data || demo, &addr, public_read, limits, search)
        }
        Command::Token { action: TokenAction::Create { role, name, unit } } => {
            create_token(&ctx, role, &name, unit.as_deref())
        }
        Command::Import { what } => import(&ctx, what),
        Command::Units { action } => projects::units(&ctx, action),
        Command::Projects { action } => projects::projects(&ctx, action),
        Command::Report { month, unit, out, publish } => {
            projects::report(&ctx, &month, unit.as_deref(), out, publish)
        }
        Command::Conflicts => projects::conflicts(&ctx),
        Command::Chains => chains(&ctx),
        Command::Chain { id, per_link } => chain(&ctx, &id, per_link),
        Command::Search {
            query,
            region,
            tag,
            chain,
            link,
            capital_min,
            capital_max,
            listed,
            sort,
            limit,
            offset,
        } => {
            let request = crate::search::SearchRequest {
                q: query.join(" "),
                region: region
                    .map(|r| crate::params::region(&r))
                    .transpose()
                    .map_err(|p| UsageError(format!("--region: {}", p.reason)))?,
                tags: tag,
                chain: chain.map(|c| c.trim().to_string()),
                link: link.map(|l| flag(crate::params::link(&l))).transpose()?,
                capital_min,
                capital_max,
                listed,
                sort: match sort {
                    SortArg::Relevance => crate::search::Sort::Relevance,
                    SortArg::Capital => crate::search::Sort::Capital,
                },
                limit,
                offset,
                facets: true,
            };
            search(&ctx, &request)
        }
        Command::Leads { chain, kind, link, region, limit, offset, as_of, out } => {
            let query = crate::leads::LeadQuery {
                region: geo::region(region.as_deref())?,
                as_of: as_of
                    .map(|d| flag(crate::params::as_of(&d)))
                    .transpose()?
                    .unwrap_or_else(crate::app::today),
                kind: kind.map(|k| flag(crate::params::kind(&k))).transpose()?,
                link,
                limit: if out.is_some() {
                    crate::params::file_lead_limit(limit)
                } else {
                    crate::params::lead_limit(limit)
                },
                offset,
                dismissed: Default::default(),
            };
            leads(&ctx, &chain, query, out.as_deref())
        }
        Command::Geo { chain, level, within, link, kind, out } => geo::geo(
            &ctx,
            geo::GeoArgs {
                chain: &chain,
                level: level.as_deref(),
                within: within.as_deref(),
                link,
                kind: kind.as_deref(),
                out: out.as_deref(),
            },
        ),
        Command::Compare { chain, region, level, limit } => {
            geo::compare(&ctx, &chain, region.as_deref(), level.as_deref(), limit)
        }
        Command::Dismiss { chain, enterprise, reason, by } => {
            dismiss(&ctx, &chain, &enterprise, &reason, &by)
        }
        Command::Backup { file } => backup(&ctx, &file),
        Command::Restore { file } => restore(&ctx, &file),
        Command::Info => info(&ctx),
        Command::Check => check(&ctx),
        Command::Reindex => reindex(&ctx),
    }
}

fn generate(ctx: &Ctx, enterprises: usize, seed: u64, out: &Path) -> anyhow::Result<()> {
    let n = crate::generate::write_file(out, enterprises, seed, &mut progress_bar("生成"))?;
    ctx.print(&serde_json::json!({"written": n, "out": out, "seed": seed}), |_| {
        println!("wrote {n} synthetic enterprises (seed {seed}) to {}", out.display())
    })
}

fn create_token(ctx: &Ctx, role: crate::model::Role, name: &str, unit: Option<&str>) -> anyhow::Result<()> {
    let app = App::open(ctx.at())?;
    let (record, secret) = app.create_token(role, name, unit, "cli")?;
    let created = views::TokenCreated {
        id: record.id,
        token: secret,
        role: record.role,
        name: record.name,
        unit: record.unit,
    };
    ctx.print(&created, |t| {
        println!("created {} token {} ({}); keep it secret, it is shown only once:", t.role, t.id, t.name);
        println!("{}", t.token);
    })
}

fn import(ctx: &Ctx, what: ImportWhat) -> anyhow::Result<()> {
    let app = App::open(ctx.at())?;
    match what {
        ImportWhat::Demo => {
            let (chains, report) = app.load_demo(&mut progress_bar("导入演示数据"))?;
            ctx.print(&serde_json::json!({"chains": chains, "enterprises": report}), |_| {
                println!("imported {} demo chains: {}", chains.len(), chains.join(", "));
                print_report(&report);
            })
        }
        ImportWhat::Chains { paths } => {
            let files = read_chain_files(&paths)?;
            let ids = app.import_chain_files(&files, "cli")?;
            ctx.print(&serde_json::json!({"chains": ids}), |_| {
                println!("imported {} chains: {}", ids.len(), ids.join(", "))
            })
        }
        ImportWhat::Enterprises { file, sheet, columns, dry_run } => {
            let options = crate::import::ReadOptions { sheet, columns, mapping: vec![] };
            let rows = crate::import::open_file_with(&file, &options)?;
            let source = format!("import: {}", file.file_name().unwrap_or_default().to_string_lossy());
            if dry_run {
                let (report, sample) = app.preview_rows(rows, Some(&source), PREVIEW_ROWS)?;
                let preview = views::ImportPreview::new(report, &sample);
                return ctx.print(&preview, print_preview);
            }
            let report = app.import_rows(rows, Some(&source), Some("cli"), &mut progress_bar("导入企业"))?;
            ctx.print(&report, print_report)
        }
    }
}

fn chains(ctx: &Ctx) -> anyhow::Result<()> {
    let app = App::open_with_progress(ctx.at(), &mut progress_bar("重建索引"))?;
    let list = views::chain_list(&app.graph());
    ctx.print(&list, |list| {
        if list.chains.is_empty() {
            println!("no chains yet: run `chainscout import demo` or `chainscout import chains graphs/`");
        }
        println!(
            "{:<22} {:<12} {:<10} {:>4} {:>4} {:>4} {:>4} {:>4} {:>4} {:>4}  链长",
            "id", "名称", "地区", "环节", "优势", "薄弱", "缺失", "补链", "延链", "强链"
        );
        for c in &list.chains {
            println!(
                "{:<22} {:<12} {:<10} {:>4} {:>4} {:>4} {:>4} {:>4} {:>4} {:>4}  {}",
                c.id,
                c.name,
                c.region_name,
                c.n_links,
                c.counts.strong,
                c.counts.weak,
                c.counts.missing,
                c.leads.fill,
                c.leads.extend,
                c.leads.strengthen,
                c.owner.as_deref().unwrap_or("")
            );
        }
    })
}

fn chain(ctx: &Ctx, id: &str, per_link: usize) -> anyhow::Result<()> {
    let app = App::open(ctx.at())?;
    let detail = views::chain_map_view(&app, id, per_link)?;
    ctx.print(&detail, print_chain)
}

fn search(ctx: &Ctx, request: &crate::search::SearchRequest) -> anyhow::Result<()> {
    let app = App::open_with_progress(ctx.at(), &mut progress_bar("重建索引"))?;
    let results = app.search(request)?;
    ctx.print(&results, |r| print_search(r, request.offset))
}

fn leads(ctx: &Ctx, chain: &str, query: crate::leads::LeadQuery, out: Option<&Path>) -> anyhow::Result<()> {
    if let Some(out) = out {
        let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "xlsx" | "csv") {
            return Err(UsageError(format!("--out {}: use a .xlsx or .csv file", out.display())).into());
        }
    }
    let app = App::open_with_progress(ctx.at(), &mut progress_bar("重建索引"))?;
    let offset = query.offset;
    let result = app.leads(chain, query)?;
    let view = views::leads_view(&app.graph(), &app.book(), result);
    if let Some(out) = out {
        crate::export::write_file(&views::leads_sheet(&view), out)?;
        if !ctx.json {
            println!("wrote {} leads to {}", view.leads.len(), out.display());
        }
    }
    ctx.print(&view, |v| print_leads(v, offset))
}

fn dismiss(ctx: &Ctx, chain: &str, enterprise: &str, reason: &str, by: &str) -> anyhow::Result<()> {
    let id = crate::model::EnterpriseId::parse(enterprise)
        .ok_or_else(|| UsageError(format!("{enterprise:?} is not an enterprise id (E00000042)")))?;
    if reason.trim().is_empty() {
        return Err(UsageError("--reason must say why".into()).into());
    }
    let app = App::open(ctx.at())?;
    app.dismiss(chain, id, reason.trim(), by)?;
    ctx.print(&serde_json::json!({"chain": chain, "enterprise": id, "dismissed": true}), |_| {
        println!("dismissed {id} for {chain}: it will not be suggested again")
    })
}

fn backup(ctx: &Ctx, file: &Path) -> anyhow::Result<()> {
    let app = App::open(ctx.at())?;
    let out = std::fs::File::create(file).map_err(|e| Error::io(file, e))?;
    let mut out = std::io::BufWriter::new(out);
    app.backup(&mut out)?;
    std::io::Write::flush(&mut out).map_err(|e| Error::io(file, e))?;
    println!("wrote a backup of {} to {}", ctx.data.display(), file.display());
    Ok(())
}

fn restore(ctx: &Ctx, file: &Path) -> anyhow::Result<()> {
    let input =
        std::fs::File::open(file).map_err(|e| Error::UnreadableInput(format!("{}: {e}", file.display())))?;
    let app = App::open(ctx.at())?;
    let n = app.restore(std::io::BufReader::new(input))?;
    println!("restored {n} records into {}", ctx.data.display());
    Ok(())
}

fn info(ctx: &Ctx) -> anyhow::Result<()> {
    let app = App::open(ctx.at())?;
    let graph = app.graph();
    let info = serde_json::json!({
        "data": ctx.data,
        "chains": graph.chains().count(),
        "enterprises": graph.n_enterprises(),
        "store_bytes": app.store().size_on_disk()?,
    });
    ctx.print(&info, |info| {
        println!(
            "data {}: {} chains, {} enterprises, store {:.1} MB on disk",
            ctx.data.display(),
            info["chains"],
            info["enterprises"],
            info["store_bytes"].as_u64().unwrap_or(0) as f64 / 1e6
        )
    })
}

fn check(ctx: &Ctx) -> anyhow::Result<()> {
    let (_app, report) = App::check(ctx.at())?;
    ctx.print(&report, |report| {
        println!(
            "{} enterprises in the store, {} in the graph, {} in the index (generation {} / {:?})",
            report.enterprises,
            report.graph_enterprises,
            report.index_documents,
            report.store_generation,
            report.index_generation
        );
        for p in &report.problems {
            println!("problem: {p}");
        }
        for r in &report.repairs {
            println!("repaired: {r}");
        }
    })?;
    if report.problems.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("the data dir has {} problems", report.problems.len())
    }
}

fn reindex(ctx: &Ctx) -> anyhow::Result<()> {
    let app = App::open(ctx.at())?;
    app.reindex(&mut progress_bar("重建索引"))?;
    let graph = app.graph();
    println!(
        "rebuilt from the store: {} chains, {} enterprises",
        graph.chains().count(),
        graph.n_enterprises()
    );
    Ok(())
}

fn print_leads(v: &views::LeadsView, offset: usize) {
    println!(
        "{}（{}）招商线索 · {} · 截至 {} · 共 {} 条",
        v.chain_name, v.chain, v.region_name, v.as_of, v.total
    );
    let n = |k| v.targets.iter().filter(|t| t.kind == k).count();
    println!(
        "目标环节：补链 {} · 延链 {} · 强链 {}",
        n(crate::leads::Kind::Fill),
        n(crate::leads::Kind::Extend),
        n(crate::leads::Kind::Strengthen)
    );
    for (i, l) in v.leads.iter().enumerate() {
        let kind = match l.direction {
            Some(d) => format!("{}·{}", l.kind.chinese(), d.chinese()),
            None => l.kind.chinese().to_string(),
        };
        println!(
            "\n{:>3}. {:>5.1}  {}  {}  【{}】{}",
            offset + i + 1,
            l.score,
            l.enterprise.name,
            l.enterprise.region_name,
            kind,
            l.link_name.as_deref().unwrap_or("以商招商")
        );
        for r in &l.reasons {
            println!("        +{:>4.1} {}", r.contribution, r.text);
        }
    }
}

fn print_search(r: &crate::search::SearchResults, offset: usize) {
    let terminal_marks = |s: &str| s.replace("<em>", "【").replace("</em>", "】");
    println!(
        "共 {} 家企业{}",
        r.total,
        if r.relaxed {
            "（未找到同时包含全部词语的企业，以下为部分匹配）"
        } else {
            ""
        }
    );
    for (i, h) in r.hits.iter().enumerate() {
        let name = h.highlight.get("name").map(|s| terminal_marks(s)).unwrap_or_else(|| h.name.clone());
        let capital = h.registered_capital.map(|c| format!("{c:.0}万元")).unwrap_or_default();
        println!("{:>3}. {}  {}  {}  {}", offset + i + 1, name, h.region_name, capital, h.tags.join("、"));
        for field in ["aliases", "products", "description", "stock_code"] {
            if let Some(text) = h.highlight.get(field) {
                println!("       {field}: {}", terminal_marks(text));
            }
        }
    }
    if !r.links.is_empty() {
        println!("\n产业链环节：");
        for l in &r.links {
            println!("  {}·{}（{}/{}）", l.chain_name, l.name, l.chain, l.link);
        }
    }
    let top = |facets: &[crate::search::FacetCount], n: usize| {
        facets
            .iter()
            .take(n)
            .map(|f| format!("{} {}", if f.name.is_empty() { &f.key } else { &f.name }, f.count))
            .collect::<Vec<_>>()
            .join("，")
    };
    if let Some(facets) = r.facets.as_ref().filter(|_| r.total > 0) {
        println!("\n地区：{}", top(&facets.region, 8));
        if !facets.tag.is_empty() {
            println!("标签：{}", top(&facets.tag, 8));
        }
        if !facets.link.is_empty() {
            println!("环节：{}", top(&facets.link, 8));
        }
    }
}

/// Rows a dry run shows as they would be stored.
const PREVIEW_ROWS: usize = 20;

fn print_preview(p: &views::ImportPreview) {
    println!("dry run: nothing stored");
    println!(
        "columns ({}):",
        match p.report.header {
            crate::import::HeaderSource::Found => "header row",
            crate::import::HeaderSource::Given => "--columns",
            crate::import::HeaderSource::Guessed => "guessed from content",
        }
    );
    for c in &p.report.columns {
        println!("  {:>3} {:<20} → {}", c.column, c.header, c.field.as_deref().unwrap_or("(ignored)"));
    }
    println!("first {} enterprises as they would be stored:", p.sample.len());
    for e in &p.sample {
        println!(
            "  {} | {} | {} | {}",
            e.name,
            e.region_name,
            e.credit_code.as_deref().unwrap_or("-"),
            e.registered_capital
                .map(|c| format!("{c}万{}", e.registered_capital_currency.as_deref().unwrap_or("元")))
                .unwrap_or_else(|| "-".into())
        );
    }
    print_report(&p.report);
}

fn print_report(report: &ImportReport) {
    println!("inserted {}, updated {}, rejected {}", report.inserted, report.updated, report.rejected.len());
    if report.unchanged + report.merged > 0 {
        println!("unchanged {}, merged (repeated rows in the file) {}", report.unchanged, report.merged);
    }
    let r = &report.region_inferred;
    if r.address + r.credit_code + r.name + report.region_unknown > 0 {
        println!(
            "region inferred: from address {}, credit code {}, name {}; no region {}",
            r.address, r.credit_code, r.name, report.region_unknown
        );
    }
    if report.header == crate::import::HeaderSource::Guessed {
        let guessed: Vec<String> = report
            .columns
            .iter()
            .filter_map(|c| c.field.as_ref().map(|f| format!("column {} → {f}", c.column)))
            .collect();
        println!("no header row: columns guessed from content: {}", guessed.join(", "));
    }
    if report.ragged_rows > 0 {
        println!("{} rows have a different number of cells: read by position", report.ragged_rows);
    }
    if !report.ignored_columns.is_empty() {
        println!("ignored columns: {}", report.ignored_columns.join(", "));
    }
    for r in &report.rejected {
        println!("  row {}: {} [{}] {}", r.row, r.field, r.code, r.reason);
        for extra in r.errors.iter().skip(1) {
            println!("         {} [{}] {}", extra.field, extra.code, extra.reason);
        }
    }
}

fn print_chain(d: &views::ChainDetail) {
    println!("{}（{}） {} · {}", d.name, d.id, d.region_name, d.sector);
    if let Some(owner) = &d.owner {
        println!("链长：{owner}   牵头部门：{}", d.lead_department.as_deref().unwrap_or("-"));
    }
    if !d.chain_masters.is_empty() {
        let masters: Vec<String> = d
            .chain_masters
            .iter()
            .map(|m| {
                if m.designated {
                    m.name.clone()
                } else {
                    format!("{}（本地实力最强企业）", m.name)
                }
            })
            .collect();
        println!("链主：{}", masters.join("、"));
    }
    println!(
        "优势 {} · 薄弱 {} · 缺失 {}（优势阈值：{} 家本地企业）；补链 {} · 延链 {} · 强链 {}",
        d.counts.strong,
        d.counts.weak,
        d.counts.missing,
        d.strong_threshold,
        d.leads.fill,
        d.leads.extend,
        d.leads.strengthen
    );
    if let Some(source) = &d.source {
        println!("来源：{source}");
    }
    for stage in
        [crate::model::Stage::Upstream, crate::model::Stage::Midstream, crate::model::Stage::Downstream]
    {
        println!("\n[{}]", stage.chinese());
        for link in d.links.iter().filter(|l| l.stage == stage) {
            let depth = depth_of(d, &link.id);
            let names: Vec<&str> = link.local_enterprises.iter().map(|e| e.name.as_str()).collect();
            let kind = match (link.lead_kind, link.direction) {
                (Some(k), Some(dir)) => format!(" [{}·{}]", k.chinese(), dir.chinese()),
                (Some(k), None) => format!(" [{}]", k.chinese()),
                _ => String::new(),
            };
            println!(
                "{}{}{} {:<4} {:>3} 家{}  {}",
                "  ".repeat(depth + 1),
                link.name,
                if link.key { "★" } else { "" },
                link.status.chinese(),
                link.local_count,
                kind,
                names.join("、")
            );
            if !link.top_candidates.is_empty() {
                let c: Vec<String> =
                    link.top_candidates.iter().map(|c| format!("{}（{}）", c.name, c.region_name)).collect();
                println!("{}    候选：{}", "  ".repeat(depth + 1), c.join("、"));
            }
        }
    }
}

fn depth_of(d: &views::ChainDetail, id: &str) -> usize {
    let mut depth = 0;
    let mut at = d.links.iter().find(|l| l.id == id).and_then(|l| l.parent.clone());
    while let Some(p) = at {
        depth += 1;
        if depth > d.links.len() {
            break;
        }
        at = d.links.iter().find(|l| l.id == p).and_then(|l| l.parent.clone());
    }
    depth
}

/// Collects `(file name, text)` of the .toml files named, or found directly in named directories.
fn read_chain_files(paths: &[PathBuf]) -> anyhow::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let mut found: Vec<PathBuf> = if meta.is_dir() {
            std::fs::read_dir(path)
                .map_err(|e| Error::io(path, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        } else {
            vec![path.clone()]
        };
        found.sort();
        for f in found {
            let text = std::fs::read_to_string(&f).map_err(|e| Error::io(&f, e))?;
            files.push((f.display().to_string(), text));
        }
    }
    if files.is_empty() {
        return Err(UsageError("no .toml chain files found in the paths given".into()).into());
    }
    Ok(files)
}

/// `serve`'s search settings.
struct SearchTuning {
    cache: usize,
    walk: u64,
}

fn serve(
    at: &crate::store::Location,
    load_demo_if_empty: bool,
    addr: &str,
    public_read: bool,
    limits: crate::api::Limits,
    search: SearchTuning,
) -> anyhow::Result<()> {
    let data = at.data.as_path();
    let app = App::open(at.clone())?;
    app.set_search_cache(search.cache);
    app.set_ranked_walk_limit(search.walk);
    {
        let empty = app.graph().chains().next().is_none() && app.store().count_enterprises() == 0;
        if empty && load_demo_if_empty {
            let (chains, report) = app.load_demo(&mut |_, _| {})?;
            tracing::info!(chains = chains.len(), enterprises = report.inserted, "loaded the bundled demo");
        }
    }
    if let Some(secret) = app.ensure_admin_token()? {
        let path = data.join("admin.token");
        write_secret(&path, &secret)?;
        println!("created the first admin token (shown once, also in {}):", path.display());
        println!("{secret}");
    }
    // What the first search would build and later ones reuse — the region table, the chain
    // links' automaton, the index's field readers (4 ms for the first request after a start,
    // then 0.2): built here, not in a user's first search.
    let warming = std::time::Instant::now();
    let _ = crate::model::regions().len();
    if let Err(e) =
        app.search(&crate::search::SearchRequest { q: "预热".into(), limit: 1, ..Default::default() })
    {
        tracing::warn!(error = %e, "warming the search failed; the first search will do it");
    }
    tracing::debug!(ms = warming.elapsed().as_millis() as u64, "search warmed");
    let app = Arc::new(app);
    crate::app::follow_in_background(&app)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr()?;
        let graph_counts = {
            let g = app.graph();
            (g.chains().count(), g.n_enterprises())
        };
        println!(
            "chainscout listening on http://{local} ({} chains, {} enterprises; data {})",
            graph_counts.0,
            graph_counts.1,
            data.display()
        );
        tracing::info!(%local, "serving");
        crate::api::serve(app, listener, public_read, limits).await?;
        Ok(())
    })
}
