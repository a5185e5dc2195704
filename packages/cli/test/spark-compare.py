# Reads Delta tables with delta-spark and with delta-rs in one process (one JVM for all tables) and
# prints, per table version, what each reader saw: row count, a checksum of the sorted rows, and the
# first differing row. Used by the Spark interop tests; argv[1] is a JSON list of
# {"name", "path", "version"}, plus for a table on Azurite "deltarsPath" (its az:// URL) and
# "storageOptions" (delta-rs's), "path" being Spark's wasb:// URL. A table Spark refuses is reported
# with its error, not raised, so one bad table does not hide the others.
#
# Azure: hadoop-azure's wasb:// driver reads Blob Storage; its emulator mode (an account named in
# fs.azure.storage.emulator.account.name) sends every request to Azurite at 127.0.0.1:10000 with the
# emulator's published key. abfs:// would need a DFS (ADLS Gen2) endpoint, which Azurite does not have.
import datetime
import hashlib
import json
import math
import sys

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, QueryBuilder
from delta import configure_spark_with_delta_pip
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import TimestampType


def canonical(value):
    # Both readers hand back Python values; floats and dates are spelled one way for both.
    if value is None:
        return None
    if isinstance(value, float):
        return 'NaN' if math.isnan(value) else repr(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def digest(rows):
    lines = sorted(json.dumps([canonical(v) for v in r], default=str) for r in rows)
    return len(lines), hashlib.sha256('\n'.join(lines).encode()).hexdigest(), lines


def spark_rows(spark, path, version):
    df = spark.read.format('delta').option('versionAsOf', version).load(path)
    # Timestamps as microseconds since the epoch: no time zone can creep in on either side.
    cols = [F.unix_micros(F.col(f'`{f.name}`')).alias(f.name) if isinstance(f.dataType, TimestampType)
            else F.col(f'`{f.name}`') for f in df.schema.fields]
    return df.columns, [tuple(r) for r in df.select(cols).collect()]


# hadoop-azure, at the Hadoop version pyspark 4.0 ships (hadoop-client-api 3.4.1), from Maven Central.
HADOOP_AZURE = 'org.apache.hadoop:hadoop-azure:3.4.1'
EMULATOR_ACCOUNT = 'devstoreaccount1.blob.core.windows.net'


def deltars_table(path, version, storage_options=None):
    dt = DeltaTable(path, version=version, storage_options=storage_options)
    if 'deletionVectors' in (dt.protocol().reader_features or []):
        # delta-rs's pyarrow path refuses the feature; its DataFusion reader honours deletion vectors.
        return pa.table(QueryBuilder().register('t', dt).execute('select * from t').read_all())
    return dt.to_pyarrow_table()


def deltars_rows(path, version, columns, storage_options=None):
    t = deltars_table(path, version, storage_options)
    arrays = []
    for name in columns:
        a = t.column(name)
        if pa.types.is_timestamp(a.type):
            a = pc.cast(pc.cast(a, pa.timestamp('us', tz='UTC')), pa.int64())
        arrays.append(a.to_pylist())
    return list(zip(*arrays)) if arrays else []


def error_line(e):
    # Py4J puts the Java exception (with Delta's [ERROR_CLASS]) after a generic first line.
    lines = [x.strip() for x in str(e).split('\n') if x.strip()]
    named = [x for x in lines if '[DELTA_' in x or 'Exception' in x]
    return (named or lines or [repr(e)])[0][:600]


def main():
    specs = json.loads(sys.argv[1])
    builder = (SparkSession.builder.master('local[2]').appName('cvc-spark-compare')
               .config('spark.sql.extensions', 'io.delta.sql.DeltaSparkSessionExtension')
               .config('spark.sql.catalog.spark_catalog', 'org.apache.spark.sql.delta.catalog.DeltaCatalog')
               .config('spark.sql.session.timeZone', 'UTC').config('spark.ui.enabled', 'false')
               .config('spark.sql.shuffle.partitions', '2').config('spark.ui.showConsoleProgress', 'false')
               # Small tables: Delta's default of 50 partitions per log replay costs more than the reads.
               .config('spark.databricks.delta.snapshotPartitions', '2')
               # A short-lived JVM: the C1 compiler alone and the serial GC cost far less CPU at start.
               .config('spark.driver.extraJavaOptions', '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC')
               .config('spark.hadoop.fs.azure.storage.emulator.account.name', EMULATOR_ACCOUNT))
    spark = configure_spark_with_delta_pip(builder, extra_packages=[HADOOP_AZURE]).getOrCreate()
    spark.sparkContext.setLogLevel('ERROR')
    out = []
    features = {}
    for s in specs:
        # Progress on stderr (the result is stdout's last line): shows where a slow run spends its time.
        print(f"spark-compare: {s['name']}@{s['version']}", file=sys.stderr, flush=True)
        entry = {'name': s['name'], 'version': s['version']}
        try:
            columns, rows = spark_rows(spark, s['path'], s['version'])
            if s['path'] not in features:  # of the latest version: once per table is enough
                detail = spark.sql(f"DESCRIBE DETAIL delta.`{s['path']}`").collect()[0]
                features[s['path']] = sorted(detail['tableFeatures'])
            entry['features'] = features[s['path']]
        except Exception as e:  # noqa: BLE001 - reported per table, asserted by the test
            entry['sparkError'] = error_line(e)
            out.append(entry)
            continue
        n_spark, h_spark, lines_spark = digest(rows)
        rs_path = s.get('deltarsPath', s['path'])
        n_rs, h_rs, lines_rs = digest(deltars_rows(rs_path, s['version'], columns, s.get('storageOptions')))
        entry.update({'columns': columns, 'spark': {'rows': n_spark, 'sha256': h_spark},
                      'deltars': {'rows': n_rs, 'sha256': h_rs}})
        if h_spark != h_rs:
            diff = sorted(set(lines_spark) ^ set(lines_rs))
            entry['firstDifference'] = diff[0] if diff else 'same rows, different multiplicity'
        out.append(entry)
    spark.stop()
    print(json.dumps(out))


main()
