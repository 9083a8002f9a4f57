"""nbgrader settings of a trainee's JupyterLab in self-study (`bash setup.sh lab`).

setup.sh puts this folder on JUPYTER_CONFIG_PATH and serves my-work/. The course's own
settings apply (exchange, course id); the Assignments tab lists the lessons as downloaded in
my-work/, so Submit hands in the notebook the trainee worked in.
"""

from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent.parent

load_subconfig(str(COURSE_ROOT / "nbgrader_config.py"))  # noqa: F821 -- given by traitlets
c = get_config()  # noqa: F821 -- given by traitlets
c.Exchange.assignment_dir = str(COURSE_ROOT / "my-work")
