import pyflow as pf
from pyflow import task, workflow

@task
def process(obj: dict) -> int:
    return obj["Size"]

@task
def total(rows: list) -> int:
    return len(rows)

@workflow
def reindex(bucket: str) -> list:
    sizes = pf.map(process, pf.s3_items(bucket="my-bucket", prefix="in/"), mode="distributed",
                   max_concurrency=100, tolerated_failure_percentage=5)
    for rows in pf.map(pf.s3_items(bucket="my-bucket", key="rows.csv", format="csv"), mode="distributed",
                       batch_size=50, result_writer=pf.s3_results(bucket="out", prefix="results/")):
        total(rows)
    return sizes
