// One Spark read (delta-spark): opt-in with CVC_SPARK_TEST=1, because it needs pyspark, a JVM and
// the delta-spark jars from Maven Central, and a JVM start costs a minute on CI's 2 cores.

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { append, createTable, merge, optimize } from '../src/index.js';
import { connect, python, tempDir } from './helpers.js';

function sparkAvailable(): boolean {
  if (process.env['CVC_SPARK_TEST'] !== '1') return false;
  try {
    execFileSync('python3', ['-c', 'import pyspark, delta'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!sparkAvailable())('interop with Spark', () => {
  let conn: DuckDBConnection;
  const tmp = tempDir();
  beforeAll(async () => { conn = await connect(); });
  afterAll(() => tmp.cleanup());

  it('Spark reads our clustered table at every version', async () => {
    const table = `${tmp.dir}/spark`;
    await createTable(conn, table, {
      columns: [{ name: 'store_id', type: 'VARCHAR' }, { name: 'date', type: 'DATE' }, { name: 'i', type: 'INTEGER' },
        { name: 'l', type: 'BIGINT' }, { name: 'd', type: 'DOUBLE' }, { name: 'b', type: 'BOOLEAN' }, { name: 'ts', type: 'TIMESTAMPTZ' }],
      clusterBy: ['store_id'], properties: { 'delta.checkpointInterval': '3' },
    });
    for (let k = 0; k < 4; k++) {
      await append(conn, table, `SELECT (range % 3)::VARCHAR AS store_id, DATE '2025-01-01' + range::INTEGER AS date, range::INTEGER AS i,
        range::BIGINT * 1000000000 AS l, range / 3 AS d, range % 2 = 0 AS b, TIMESTAMPTZ '2025-01-01 00:00:00.123+00' + to_seconds(range) AS ts FROM range(10)`);
    }
    await merge(conn, table, `SELECT '1' AS store_id, DATE '2025-01-02' AS date, 99 AS i, 1::BIGINT AS l, 1.0 AS d, TRUE AS b, now() AS ts`, { on: ['store_id', 'date'] });
    await optimize(conn, table, { targetRowsPerFile: 15 });
    const out = python<{ schema: string; counts: number[]; sumI: number; clustering: string[]; features: string[] }>(`
import json, sys
from pyspark.sql import SparkSession
from delta import configure_spark_with_delta_pip
b = (SparkSession.builder.master("local[1]").appName("cvc-test")
     .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
     .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
     .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
     .config("spark.sql.shuffle.partitions", "1").config("spark.ui.showConsoleProgress", "false"))
spark = configure_spark_with_delta_pip(b).getOrCreate()
path = sys.argv[1]
df = spark.read.format("delta").load(path)
detail = spark.sql(f"DESCRIBE DETAIL delta.\`{path}\`").collect()[0]
print(json.dumps({
  'schema': df.schema.simpleString(),
  'counts': [spark.read.format("delta").option("versionAsOf", v).load(path).count() for v in range(7)],
  'sumI': df.groupBy().sum("i").collect()[0][0],
  'clustering': list(detail['clusteringColumns']),
  'features': sorted(detail['tableFeatures']),
}))`, table);
    expect(out.schema).toBe('struct<store_id:string,date:date,i:int,l:bigint,d:double,b:boolean,ts:timestamp>');
    expect(out.counts).toEqual([0, 10, 20, 30, 40, 40, 40]);
    expect(out.sumI).toBe(4 * 45 - 4 * 1 + 4 * 99); // the merge key matches one row in each of the 4 appends
    expect(out.clustering).toEqual(['store_id']);
    expect(out.features).toEqual(['clustering', 'domainMetadata']);
  }, 600_000);
});
