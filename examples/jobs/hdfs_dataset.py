"""A PySpark application for bdprov's tests and docs: write a dataset to the
cluster's default filesystem (HDFS), or read it back and count it.

    bdprov submit yarn --py examples/jobs/hdfs_dataset.py -- write /user/spark/squares 1000
    bdprov submit yarn --py examples/jobs/hdfs_dataset.py -- read /user/spark/squares 1000
    bdprov submit yarn --py examples/jobs/hdfs_dataset.py -- fail /anything

`read PATH N` fails the application unless it reads back exactly N rows.
"""
import sys

from pyspark.sql import SparkSession

if __name__ == "__main__":
    action, path = sys.argv[1], sys.argv[2]
    spark = SparkSession.builder.appName(f"HdfsDataset-{action}").getOrCreate()
    if action == "write":
        n = int(sys.argv[3])
        df = spark.range(1, n + 1).selectExpr("id", "id * id AS square")
        df.write.mode("overwrite").parquet(path)
        print(f"wrote {df.count()} rows to {path}")
    elif action == "read":
        df = spark.read.parquet(path)
        count = df.count()
        print(f"read {count} rows from {path}, sum of squares {df.groupBy().sum('square').first()[0]}")
        if len(sys.argv) > 3 and count != int(sys.argv[3]):
            raise SystemExit(f"read {count} rows from {path}, expected {sys.argv[3]}")
    else:
        raise SystemExit(f"unknown action {action!r}: this job fails on purpose")
    spark.stop()
