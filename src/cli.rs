//! The `redbutler` command line: serve (default), migrate, demo, import, user, token, open311-key, backup.
use crate::app::{Application, shutdown_signal};
use crate::config::{Config, FlagOverrides};
use crate::db::Db;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "redbutler",
    version,
    about = "Red Butler (红管家): residential compounds run together with residents"
)]
struct Cli {
    /// TOML configuration file (default: ./redbutler.toml when present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Folder of the embedded SQLite database.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// sqlite://FILE or postgres://USER@HOST/DB (also REDBUTLER_DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Logs as JSON lines.
    #[arg(long, global = true)]
    log_json: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default).
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        addr: Option<String>,
        /// Load the demo district into an empty database and print the demo logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo district (empty database), or with --compounds N add N synthetic compounds.
    Demo {
        #[arg(long)]
        compounds: Option<usize>,
        /// With --compounds: dwellings per generated compound (default 500; in buildings of 50,
        /// all owner-occupied when set), e.g. one compound of 50,000 for the vote benchmark.
        #[arg(long)]
        dwellings_per_compound: Option<usize>,
        /// Add N synthetic cases (after the demo district) for benchmarks and figures.
        #[arg(long)]
        cases: Option<u64>,
    },
    /// Import dwellings or residents from CSV (UTF-8, UTF-8 with BOM, or GBK); all or nothing.
    Import {
        #[arg(value_enum)]
        kind: crate::import::ImportKind,
        file: PathBuf,
        /// Report in English instead of Chinese.
        #[arg(long)]
        en: bool,
    },
    /// The working-day calendar (RULES.md §7).
    Calendar {
        #[command(subcommand)]
        action: CalendarAction,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Manage Open311 GeoReport v2 client keys.
    #[command(name = "open311-key")]
    Open311Key {
        #[command(subcommand)]
        action: Open311KeyAction,
    },
    /// Recount an owners' decision offline from its two audit files (no server, no database):
    /// prints the result as JSON. Malformed files are refused with the line number.
    Tally {
        /// head_id,units,area_m2 (one row per head; units separated by `;`).
        #[arg(long)]
        roll: PathBuf,
        /// head_id,choice (agree | disagree | abstain) for one agenda item.
        #[arg(long)]
        ballots: PathBuf,
        /// The art. 278 item the agenda item decides (1–9): 6–8 are major matters.
        #[arg(long)]
        matter: u8,
    },
    /// Recompute a vote's roll digest, hash chain and tally from the stored ballots; prints the
    /// report as JSON and exits 1 when anything does not match.
    #[command(name = "verify-vote")]
    VerifyVote { id: i64 },
    /// Write the audit files of a closed vote: ROLL.csv and BALLOTS.csv (one agenda item).
    #[command(name = "export-vote")]
    ExportVote {
        id: i64,
        /// The agenda item's position (default 1).
        #[arg(long, default_value_t = 1)]
        item: i64,
        /// Folder to write the two files into.
        #[arg(long)]
        to: PathBuf,
    },
    /// Consistent online copy of the SQLite database (the server may be running).
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Subcommand)]
enum CalendarAction {
    /// Enter years from a CSV of `date,kind,name` lines (kind: holiday | working, or 休 | 班);
    /// each year in the file replaces what was entered for it. Bad lines are named and nothing
    /// is entered (exit code 2).
    Import {
        file: PathBuf,
        /// Report in English instead of Chinese.
        #[arg(long)]
        en: bool,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account with one role grant.
    Create {
        #[arg(long)]
        username: String,
        /// Read from REDBUTLER_PASSWORD when not given.
        #[arg(long, env = "REDBUTLER_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "admin")]
        role: String,
        #[arg(long, default_value = "global")]
        scope_kind: String,
        #[arg(long)]
        scope_id: Option<i64>,
        #[arg(long)]
        person_id: Option<i64>,
    },
    /// Set a new password.
    Password {
        #[arg(long)]
        username: String,
        #[arg(long, env = "REDBUTLER_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Print a new API token for a user (shown once; only its hash is stored).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Valid for this many days (default: until revoked).
        #[arg(long)]
        days: Option<i64>,
    },
    /// List API tokens (of one user, or everyone's): id, user, name, expiry, state.
    List {
        #[arg(long)]
        username: Option<String>,
    },
    /// Revoke an API token by its id.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum Open311KeyAction {
    /// Print a new api_key for an Open311 client (shown once; only its hash is stored).
    Create {
        #[arg(long)]
        name: String,
        /// Valid for this many days (default: until revoked).
        #[arg(long)]
        days: Option<i64>,
    },
    /// List the Open311 keys: id, name, expiry, state.
    List,
    /// Revoke an Open311 key by its id.
    Revoke { id: i64 },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Tally {
        roll,
        ballots,
        matter,
    }) = &cli.command
    {
        return match tally_files(roll, ballots, *matter) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `redbutler tally`: the offline audit of a vote from ROLL.csv and BALLOTS.csv.
pub fn tally_files(
    roll: &std::path::Path,
    ballots: &std::path::Path,
    matter: u8,
) -> Result<String, String> {
    use crate::domain::decisions::vote_files;
    let read = |p: &std::path::Path| {
        std::fs::read(p)
            .map_err(|e| format!("cannot read {}: {e}", p.display()))
            .and_then(|b| String::from_utf8(b).map_err(|_| format!("{} is not UTF-8", p.display())))
    };
    if crate::domain::decisions::vote::matter_class(matter).is_none() {
        return Err(format!("--matter {matter}: the art. 278 item must be 1–9"));
    }
    let roll = vote_files::parse_roll(&read(roll)?).map_err(|e| e.to_string())?;
    let ballots = vote_files::parse_ballots(&read(ballots)?, &roll).map_err(|e| e.to_string())?;
    let counts = vote_files::count(&roll, &ballots);
    let outcome = crate::domain::decisions::vote::outcome(matter, &counts)
        .ok_or_else(|| "the art. 278 item must be 1–9".to_string())?;
    serde_json::to_string_pretty(&outcome).map_err(|e| e.to_string())
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("REDBUTLER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let b = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        b.json().try_init()
    } else {
        b.try_init()
    };
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let (addr, demo) = match &cli.command {
        Some(Command::Serve { addr, demo }) => (addr.clone(), *demo),
        _ => (None, false),
    };
    let flags = FlagOverrides {
        addr,
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        log_json: cli.log_json.then_some(true),
        demo: demo.then_some(true),
    };
    let config = Config::load(cli.config.as_deref(), flags)?;
    init_logs(config.log_json);
    let connect = || async {
        let db = Db::connect(&config.effective_database_url(), config.max_connections).await?;
        db.migrate().await?;
        anyhow::Ok(db)
    };
    match cli.command.unwrap_or(Command::Serve {
        addr: None,
        demo: false,
    }) {
        Command::Serve { .. } => {
            let app = Application::build(config.clone()).await?;
            if config.demo {
                if crate::demo::is_empty(app.db()).await? {
                    println!("正在载入演示数据 / loading the demo district …");
                    let logins = crate::demo::load_demo(app.db()).await?;
                    print_logins(&logins);
                } else {
                    println!(
                        "数据库已有数据，未重复载入演示数据 / the database has data; demo not loaded again."
                    );
                    println!(
                        "演示账号密码 / demo password: {}",
                        crate::demo::DEMO_PASSWORD
                    );
                }
            }
            println!(
                "红管家已启动 / Red Butler is running at http://{}",
                app.local_addr()
            );
            app.run_until(shutdown_signal()).await?;
        }
        Command::Migrate => {
            connect().await?;
            println!("migrations applied");
        }
        Command::Demo {
            compounds,
            dwellings_per_compound,
            cases,
        } => {
            let db = connect().await?;
            match (compounds, cases) {
                (None, None) => print_logins(&crate::demo::load_demo(&db).await?),
                (Some(n), _) => {
                    let r = crate::demo::generate(&db, n, dwellings_per_compound, true).await?;
                    println!("{}", serde_json::to_string(&r)?);
                }
                (None, Some(_)) => {}
            }
            if let Some(n) = cases {
                let r = crate::demo::generate_cases(&db, n, true).await?;
                println!("{}", serde_json::to_string(&r)?);
            }
        }
        Command::Import { kind, file, en } => {
            let db = connect().await?;
            let locale = if en {
                crate::locale::Locale::En
            } else {
                crate::locale::Locale::Zh
            };
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            match crate::import::import(&db, None, kind, &bytes).await {
                Ok(report) => println!("{}", report.describe(locale)),
                Err(crate::import::ImportError::Rows(problems)) => {
                    eprintln!("{}", locale.t("import.rejected"));
                    for p in problems {
                        eprintln!("{}", p.describe(locale));
                    }
                    return Ok(ExitCode::from(2));
                }
                Err(crate::import::ImportError::Other(e)) => return Err(e),
            }
        }
        Command::Calendar {
            action: CalendarAction::Import { file, en },
        } => {
            let db = connect().await?;
            let locale = if en {
                crate::locale::Locale::En
            } else {
                crate::locale::Locale::Zh
            };
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            match crate::services::calendar::import(&db, None, &text).await {
                Ok(years) => {
                    for y in years {
                        println!("{} · {}", y.year, y.days.len());
                    }
                }
                Err(crate::error::AppError::Invalid(errors)) => {
                    for e in errors {
                        eprintln!(
                            "{}: {}",
                            crate::http::ctx::field_label(locale, &e.field),
                            locale.t(&format!("check.{}", e.code))
                        );
                    }
                    return Ok(ExitCode::from(2));
                }
                Err(e) => return Err(anyhow::anyhow!("{e}")),
            }
        }
        Command::User { action } => {
            let db = connect().await?;
            match action {
                UserAction::Create {
                    username,
                    password,
                    role,
                    scope_kind,
                    scope_id,
                    person_id,
                } => {
                    let id = crate::services::accounts::operator::create_user(
                        &db,
                        &username,
                        password,
                        &role,
                        &scope_kind,
                        scope_id,
                        person_id,
                    )
                    .await?;
                    println!("user {username} created (id {id})");
                }
                UserAction::Password { username, password } => {
                    crate::services::accounts::operator::set_password(&db, &username, password)
                        .await?;
                    println!("password of {username} changed");
                }
            }
        }
        Command::Token { action } => {
            use crate::services::accounts::operator;
            let db = connect().await?;
            match action {
                TokenAction::Create {
                    username,
                    name,
                    days,
                } => println!(
                    "{}",
                    operator::create_token(&db, &username, &name, days).await?
                ),
                TokenAction::List { username } => {
                    for l in operator::list_tokens(&db, username.as_deref()).await? {
                        println!("{l}");
                    }
                }
                TokenAction::Revoke { id } => {
                    operator::revoke_token(&db, id).await?;
                    println!("token {id} revoked");
                }
            }
        }
        Command::Open311Key { action } => {
            use crate::services::accounts::operator;
            let db = connect().await?;
            match action {
                Open311KeyAction::Create { name, days } => {
                    println!("{}", operator::create_key(&db, &name, days).await?)
                }
                Open311KeyAction::List => {
                    for l in operator::list_keys(&db).await? {
                        println!("{l}");
                    }
                }
                Open311KeyAction::Revoke { id } => {
                    operator::revoke_key(&db, id).await?;
                    println!("key {id} revoked");
                }
            }
        }
        Command::Backup { to } => {
            let db = connect().await?;
            db.backup_to(&to).await?;
            println!("backup written to {}", to.display());
        }
        Command::Tally { .. } => unreachable!("handled before the runtime starts"),
        Command::VerifyVote { id } => {
            let db = connect().await?;
            let v = crate::services::decisions::verify_stored(&db, id)
                .await
                .map_err(|e| anyhow::anyhow!("vote {id}: {e}"))?;
            println!("{}", serde_json::to_string_pretty(&v)?);
            if !v.intact {
                return Ok(ExitCode::from(1));
            }
        }
        Command::ExportVote { id, item, to } => {
            let db = connect().await?;
            let fail = |e: crate::error::AppError| anyhow::anyhow!("vote {id}: {e} ({})", e.code());
            let roll = crate::services::decisions::roll_file(&db, id)
                .await
                .map_err(fail)?;
            let ballots = crate::services::decisions::ballots_file(&db, id, item)
                .await
                .map_err(fail)?;
            std::fs::create_dir_all(&to)?;
            std::fs::write(to.join("ROLL.csv"), roll)?;
            std::fs::write(to.join("BALLOTS.csv"), ballots)?;
            println!("ROLL.csv and BALLOTS.csv written to {}", to.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_logins(logins: &[crate::demo::DemoLogin]) {
    println!();
    println!(
        "演示账号（密码均为 {}）/ demo logins (password {}):",
        crate::demo::DEMO_PASSWORD,
        crate::demo::DEMO_PASSWORD
    );
    println!("{:<14} {:<8} {:<18} scope", "username", "name", "role");
    for l in logins {
        println!(
            "{:<14} {:<8} {:<18} {}",
            l.username,
            l.name,
            l.role.as_str(),
            l.scope
        );
    }
    println!();
}
