# Databricks spark_python_task entry point: runs the cvc CLI (installed on the cluster, e.g. by an init
# script or a container image) with the task's parameters and exits with its code, so the task fails
# when cvc does. Parameters come from the job definition (backtest-shards.job.json).
import os
import subprocess
import sys

if __name__ == "__main__":
    cmd = [os.environ.get("CVC_BIN", "cvc"), *sys.argv[1:]]
    sys.exit(subprocess.run(cmd, check=False).returncode)
