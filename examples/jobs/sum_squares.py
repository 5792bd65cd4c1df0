"""A small PySpark application for bdprov's tests: sum of squares 1..N on the cluster.

    bdprov submit --cluster my-spark spark --py examples/jobs/sum_squares.py -- 100
"""
import sys

from pyspark.sql import SparkSession

if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    spark = SparkSession.builder.appName("SumSquares").getOrCreate()
    total = spark.sparkContext.parallelize(range(1, n + 1), 4).map(lambda x: x * x).sum()
    print(f"sum of squares 1..{n} = {total}")
    spark.stop()
