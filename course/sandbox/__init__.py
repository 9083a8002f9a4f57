"""The grading sandbox: trainees' kernels run in bubblewrap, started by jupyter_client.

provisioner.py  ``BubblewrapProvisioner`` (a jupyter_client kernel provisioner) and the
                sandbox's limits; ``sandbox_status()`` says whether bubblewrap works here
kernels.py      ``SandboxedKernelManager``: every kernel it starts goes through the provisioner
spare.py        spare kernels, prepared ahead of the notebook that will use them
"""
