use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use std::sync::Arc;

/// Why a feature query failed.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// A query was refused or failed inside DataFusion.
    #[error("query failed: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// The async runtime could not start.
    #[error("cannot start the query runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// A DataFusion session holding kehu's canonical tables.
pub struct FeatureEngine {
    ctx: SessionContext,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for FeatureEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeatureEngine").finish_non_exhaustive()
    }
}

impl FeatureEngine {
    /// A local session using all cores.
    pub fn new() -> Result<Self, FeatureError> {
        let mut config = SessionConfig::new().with_information_schema(false);
        // Keeps where each column was written in a user's expression, so that errors in
        // custom features and rules can point at it (see `user_expression`).
        config.options_mut().sql_parser.collect_spans = true;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let ctx = SessionContext::new_with_config(config);
        ctx.register_udaf(crate::sole_value::sole_value_udaf());
        ctx.register_udaf(crate::purchase_gaps::purchase_gaps_udaf());
        ctx.register_udaf(crate::top_value::top_value_udaf());
        ctx.register_udaf(crate::value_at_max::value_at_max_udaf());
        Ok(FeatureEngine { ctx, runtime })
    }

    /// Registers batches as a table, replacing any table of that name.
    pub fn register(
        &self,
        name: &str,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
    ) -> Result<(), FeatureError> {
        let table = MemTable::try_new(schema, vec![batches])?;
        // A later step replaces a table it extends (the feature table gains columns).
        self.ctx.deregister_table(name)?;
        self.ctx.register_table(name, Arc::new(table))?;
        Ok(())
    }

    /// Whether a table of this name is registered.
    pub fn has_table(&self, name: &str) -> bool {
        self.ctx.table_exist(name).unwrap_or(false)
    }

    /// The column names of a registered table; empty when there is no such table.
    pub fn column_names(&self, name: &str) -> Vec<String> {
        self.runtime
            .block_on(self.ctx.table_provider(name))
            .map(|table| {
                table
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs a SQL query to completion.
    pub fn sql(&self, query: &str) -> Result<Vec<RecordBatch>, FeatureError> {
        self.runtime.block_on(async {
            let df = self.ctx.sql(query).await?;
            Ok(df.collect().await?)
        })
    }

    /// Runs a SQL query to completion and keeps its result as table `name` (replacing any
    /// table of that name), for queries that read the same intermediate result many times.
    pub(crate) fn materialise(&self, name: &str, query: &str) -> Result<(), FeatureError> {
        let (schema, batches) = self.runtime.block_on(async {
            let df = self.ctx.sql(query).await?;
            let schema = df.schema().inner().clone();
            Ok::<_, FeatureError>((schema, df.collect().await?))
        })?;
        self.register(name, schema, batches)
    }

    /// Drops a registered table (and, once nothing else holds its batches, its memory).
    pub(crate) fn forget(&self, name: &str) -> Result<(), FeatureError> {
        self.ctx.deregister_table(name)?;
        Ok(())
    }

    /// The session, for the DataFrame-level work of this crate (user expressions).
    pub(crate) fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Runs a future on the engine's runtime.
    pub(crate) fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}
