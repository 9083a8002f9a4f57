"""The class server's configuration, checked against the pinned packages themselves.

Every key the course's hub config (deploy/hub) and its Kubernetes values file
(deploy/kubernetes) set must be a configurable trait of the class it names, in the
jupyterhub and jupyterhub-ltiauthenticator versions pyproject.toml pins; the LTI role
hook and the per-role settings are run. With ``Z2JH_CHART`` naming an unpacked Zero to
JupyterHub chart 4.4.0 folder (values.yaml, values.schema.yaml), the values file is also
validated against the chart's own schema, merged the way ``helm --set-file`` merges it.
"""

from __future__ import annotations

import copy
import importlib
import os
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

REPO = Path(__file__).resolve().parents[2]
HUB = REPO / "deploy" / "hub"
VALUES = REPO / "deploy" / "kubernetes" / "values.yaml"
sys.path.insert(0, str(HUB))

import cryocourse_hub as hubconf  # noqa: E402 -- deploy/hub is not a package

# The chart's hub image (images/hub/requirements.txt of chart 4.4.0, read from
# github.com/jupyterhub/zero-to-jupyterhub-k8s at tag 4.4.0).
CHART_VERSION = "4.4.0"
CHART_HUB_IMAGE = {"jupyterhub": "5.5.0", "jupyterhub-ltiauthenticator": "1.6.3"}

CONFIGURABLES = {
    "JupyterHub": "jupyterhub.app:JupyterHub",
    "Authenticator": "jupyterhub.auth:Authenticator",
    "PAMAuthenticator": "jupyterhub.auth:PAMAuthenticator",
    "SharedPasswordAuthenticator": "jupyterhub.authenticators.shared:SharedPasswordAuthenticator",
    "LTI13Authenticator": "ltiauthenticator.lti13.auth:LTI13Authenticator",
    "Spawner": "jupyterhub.spawner:Spawner",
    "LocalProcessSpawner": "jupyterhub.spawner:LocalProcessSpawner",
    # kubespawner is not installed here; the one key the course sets is Spawner's own.
    "KubeSpawner": "jupyterhub.spawner:Spawner",
    "ConfigurableHTTPProxy": "jupyterhub.proxy:ConfigurableHTTPProxy",
}
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership"


def configurable(name: str):
    module, _, attribute = CONFIGURABLES[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def unknown_keys(config: Config | dict) -> list[str]:
    """``Class.key`` entries that are not a configurable trait of that class."""
    wrong = []
    for section, values in config.items():
        if section not in CONFIGURABLES:
            wrong.append(f"{section} (no such configurable class)")
            continue
        traits = configurable(section).class_traits(config=True)
        wrong += [f"{section}.{key}" for key in values if key not in traits]
    return wrong


def hub_config(monkeypatch, **settings: str) -> Config:
    for name, value in settings.items():
        monkeypatch.setenv(f"CRYOCOURSE_{name}", value)
    return PyFileConfigLoader("jupyterhub_config.py", path=str(HUB)).load_config()


LTI_COURSE = {"LTI_CONTEXT_ID": "CRYO-2026", "LTI_DEPLOYMENT_ID": "dep-1",
              "LTI_ISSUER": "https://lms.example.org"}


@pytest.mark.parametrize("auth", ["pam", "shared", "lti"])
def test_hub_config_sets_only_real_traits(monkeypatch, tmp_path, auth):
    roster = tmp_path / "roster.txt"
    roster.write_text("trainee ana  # first row\ngrader Gia\n\ntrainee ana.lopes@school.org\n")
    config = hub_config(monkeypatch, HUB_AUTH=auth, ROSTER=str(roster), HUB_PORT="8123",
                        **LTI_COURSE)
    assert unknown_keys(config) == []
    assert config.JupyterHub.port == 8123 and config.JupyterHub.ip == "127.0.0.1"
    if auth == "lti":
        assert config.Authenticator.manage_groups is True
        # JupyterHub refuses to start with both (tests/hub/test_lti_hub.py starts it).
        assert not config.JupyterHub.get("load_groups")
        assert config.LTI13Authenticator.username_key == "sub"
        assert callable(config.Authenticator.post_auth_hook)
    else:
        graders = config.JupyterHub.load_groups["formgrade-cosmetic-cryotherapy"]["users"]
        assert "cryocourse" in graders  # the course account is a hub user (nbgrader #1872)
        trainees = config.JupyterHub.load_groups["nbgrader-cosmetic-cryotherapy"]["users"]
        assert trainees[0] == "ana" and trainees[1].startswith("ana-lopes-")
        assert "gia" in graders
    service = config.JupyterHub.services[0]
    assert service["name"] == "cosmetic-cryotherapy" and service["user"] == "cryocourse"


def test_a_roster_line_that_is_not_understood_names_its_line(tmp_path):
    roster = tmp_path / "roster.txt"
    roster.write_text("trainee ana\nteacher bob\n")
    with pytest.raises(ValueError, match="line 2.*'teacher bob'"):
        hubconf.read_roster(roster)


@pytest.mark.parametrize(("name", "expected"), [
    ("ana", "ana"), ("Ana", "ana"), ("gia_2", "gia_2"),
])
def test_safe_names_stay_as_they_are(name, expected):
    assert hubconf.safe_username(name) == expected


def test_other_names_become_valid_distinct_account_names():
    names = [hubconf.safe_username(n) for n in
             ("ana.lopes@school.org", "ana-lopes@other.org", "8f3c-77aa-opaque-sub", "Ø")]
    assert len(set(names)) == len(names)
    for name in names:
        assert len(name) <= 32 and name[0].isalpha(), name
        assert all(ch.isalnum() or ch in "-_" for ch in name), name


ISSUER = "https://lms.example.org"


def _launch(*roles: str, context: str = "CRYO-2026", deployment: str = "dep-1",
            sub: str = "8f3c-77aa", name: str = "Ana.Lopes@school.org") -> dict:
    return {"name": name, "auth_state": {
        "iss": ISSUER, "sub": sub, hubconf.LTI_ROLES_CLAIM: list(roles),
        hubconf.LTI_CONTEXT_CLAIM: {"id": context, "label": context},
        hubconf.LTI_DEPLOYMENT_CLAIM: deployment}}


def _hook():
    return hubconf.make_post_auth_hook("cosmetic-cryotherapy", "CRYO-2026", "dep-1", ISSUER)


@pytest.mark.parametrize(("roles", "groups"), [
    ([f"{ROLE}#Learner"], ["nbgrader-cosmetic-cryotherapy"]),
    ([f"{ROLE}#Instructor"], ["formgrade-cosmetic-cryotherapy"]),
    ([f"{ROLE}/Instructor#TeachingAssistant"], ["formgrade-cosmetic-cryotherapy"]),
    ([f"{ROLE}#Learner", f"{ROLE}#Instructor"],
     ["formgrade-cosmetic-cryotherapy", "nbgrader-cosmetic-cryotherapy"]),
])
def test_lti_roles_put_people_in_nbgrader_groups(roles, groups):
    result = _hook()(None, None, _launch(*roles))
    assert result["groups"] == groups
    assert result["name"] == hubconf.lti_username(ISSUER, "8f3c-77aa")
    assert result["admin"] is False


@pytest.mark.parametrize("where", [{"context": "OTHER-101"}, {"deployment": "dep-2"},
                                   {"context": ""}])
def test_a_role_from_another_lms_course_or_deployment_counts_for_nothing(where):
    from tornado.web import HTTPError

    with pytest.raises(HTTPError) as refused:
        _hook()(None, None, _launch(f"{ROLE}#Instructor", **where))
    assert refused.value.status_code == 403


def test_lms_names_never_collide_nor_name_a_machine_account():
    """Two people called Ana, and people whose LMS name is root or the course account."""
    hook = _hook()
    names = [hook(None, None, _launch(f"{ROLE}#Learner", sub=sub, name=name))["name"]
             for sub, name in (("1", "Ana"), ("2", "Ana"), ("3", "root"), ("4", "cryocourse"),
                               ("root", "root"), ("cryocourse", "x"))]
    assert len(set(names)) == len(names)
    assert all(n.startswith(hubconf.LTI_PREFIX) and len(n) <= 32 for n in names), names


def test_lti_without_the_course_and_deployment_does_not_start():
    with pytest.raises(ValueError, match="CRYOCOURSE_LTI_CONTEXT_ID"):
        hubconf.make_post_auth_hook("cosmetic-cryotherapy")


@pytest.mark.parametrize("name", ["root", "cryocourse", "ana"])
def test_the_hub_makes_accounts_only_with_its_reserved_prefix(name):
    with pytest.raises(RuntimeError, match="did not come from the LMS"):
        hubconf.ensure_system_user(name)


def test_no_server_runs_as_a_system_account():
    with pytest.raises(RuntimeError, match="system account"):
        hubconf.require_person_account("root")


@pytest.mark.parametrize("roles", [
    [], [f"{ROLE}#Mentor"],
    ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"],
])
def test_a_launch_without_a_course_role_is_refused(roles):
    from tornado.web import HTTPError

    with pytest.raises(HTTPError) as refused:
        _hook()(None, None, _launch(*roles))
    assert refused.value.status_code == 403


def test_trainees_and_graders_get_their_own_jupyter_settings():
    settings = hubconf.HubSettings()
    trainee = hubconf.singleuser_environment(settings, {"nbgrader-cosmetic-cryotherapy"})
    grader = hubconf.singleuser_environment(settings, {"formgrade-cosmetic-cryotherapy"})
    assert trainee["JUPYTER_CONFIG_PATH"].split(":")[0].endswith("/trainee")
    assert grader["JUPYTER_CONFIG_PATH"].split(":")[0].endswith("/grader")
    for env in (trainee, grader):
        for folder in env["JUPYTER_CONFIG_PATH"].split(":"):
            assert Path(folder).is_dir(), folder
    import json

    hidden = json.loads((HUB / "jupyter" / "trainee" / "labconfig" / "page_config.json")
                        .read_text())["disabledExtensions"]
    assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"} <= set(hidden)


# --- Kubernetes -------------------------------------------------------------------------------

def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


def with_set_files(doc: dict) -> dict:
    """The values as ``helm --set-file`` makes them (the commands in the file's header)."""
    merged = copy.deepcopy(doc)
    flags = re.findall(r"--set-file (\S+?)=(\S+)", VALUES.read_text())
    assert flags, "the values file shows its --set-file flags"
    for target, source in set(flags):
        node = merged
        *parents, leaf = target.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = (REPO / source).read_text()
    return merged


def test_the_chart_matches_the_pinned_hub():
    pyproject = (REPO / "pyproject.toml").read_text()
    for package, version in CHART_HUB_IMAGE.items():
        assert f'"{package}=={version}"' in pyproject
    assert f"--version {CHART_VERSION}" in VALUES.read_text()


def test_every_hub_config_key_is_a_trait_of_the_pinned_packages():
    assert unknown_keys(values()["hub"]["config"]) == []


def kubernetes_hub_config(monkeypatch, salt_file: Path) -> Config:
    """The values file's hub.extraConfig run as the hub runs it, the salt at ``salt_file``."""
    monkeypatch.setenv("CRYOCOURSE_HUB_FILES", str(HUB))
    monkeypatch.setenv("CRYOCOURSE_VARIANT_SALT_FILE", str(salt_file))
    monkeypatch.setenv("CRYOCOURSE_LTI_CONTEXT_ID", "CRYO-2026")
    monkeypatch.setenv("CRYOCOURSE_LTI_DEPLOYMENT_ID", "dep-1")
    config = Config()
    for snippet in values()["hub"]["extraConfig"].values():
        exec(compile(snippet, "extraConfig", "exec"), {"c": config})  # noqa: S102
    return config


def _spawner(name: str, group: str) -> SimpleNamespace:
    return SimpleNamespace(environment={}, user=SimpleNamespace(
        name=name, groups=[SimpleNamespace(name=group)]))


def test_the_extra_config_runs_and_installs_the_hook(monkeypatch, tmp_path):
    from course.storage.variant_keys import course_salt

    course_salt(tmp_path)
    config = kubernetes_hub_config(monkeypatch, tmp_path / ".variant-salt")
    assert unknown_keys(config) == []
    launch = config.Authenticator.post_auth_hook(None, None, _launch(f"{ROLE}#Learner"))
    assert launch["groups"] == ["nbgrader-cosmetic-cryotherapy"]
    spawner = _spawner("ana", "nbgrader-cosmetic-cryotherapy")
    config.KubeSpawner.pre_spawn_hook(spawner)
    assert spawner.environment["JUPYTER_CONFIG_PATH"] == (
        "/etc/cryocourse/jupyter/trainee:/etc/cryocourse/jupyter/common")
    mounted = {f["mountPath"] for f in values()["singleuser"]["extraFiles"].values()}
    for folder in spawner.environment["JUPYTER_CONFIG_PATH"].split(":"):
        assert any(path.startswith(folder + "/") for path in mounted), folder
    assert spawner.environment["CRYOCOURSE_EXCHANGE"] in {
        m["mountPath"] for m in values()["singleuser"]["storage"]["extraVolumeMounts"]}


def test_on_kubernetes_launches_land_and_deep_linking_is_left_out(monkeypatch, tmp_path):
    from ltiauthenticator.lti13.auth import LTI13Authenticator

    from course.storage.variant_keys import course_salt

    course_salt(tmp_path)
    config = kubernetes_hub_config(monkeypatch, tmp_path / ".variant-salt")
    authenticator = config.JupyterHub.authenticator_class
    assert issubclass(authenticator, LTI13Authenticator)
    routes = {route for route, *_ in authenticator().get_handlers(None)}
    assert "/cryocourse/launch" in routes and "lti13/oauth_login" in routes, routes
    assert not {"/cryocourse/deep-link", "/cryocourse/jwks"} & routes, routes
    # The landing reads no course folder and no home: the trainee's own server decides.
    settings = hubconf.HubSettings(course_dir=tmp_path / "absent",
                                   supervised_dir=tmp_path / "supervised")
    trainee = {"nbgrader-cosmetic-cryotherapy"}
    assert hubconf.landing_path(settings, trainee, "05-screening-cases", "/", "ana") == \
        "/hub/user-redirect/cryocourse/open/05-screening-cases"
    # A server started for a supervised window has no course package: JupyterLab.
    (tmp_path / "supervised" / "sessions").mkdir(parents=True)
    (tmp_path / "supervised" / "sessions" / "ana").write_text("supervised 05 2026-12-07\n")
    assert hubconf.landing_path(settings, trainee, "05-screening-cases", "/", "ana") == \
        "/hub/user-redirect/lab"


def test_the_files_mounted_into_the_pods_exist():
    merged = with_set_files(values())
    for where in (merged["hub"], merged["singleuser"]):
        for name, spec in where["extraFiles"].items():
            assert spec.get("stringData"), name


def _deep_merge(base: dict, extra: dict) -> dict:
    result = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _deep_merge(result[key], value)
        else:
            result[key] = value
    return result


@pytest.mark.skipif(not os.environ.get("Z2JH_CHART"),
                    reason="set Z2JH_CHART to an unpacked jupyterhub chart 4.4.0 folder")
def test_the_values_pass_the_charts_own_schema():
    import jsonschema

    chart = Path(os.environ["Z2JH_CHART"])
    schema = yaml.safe_load((chart / "values.schema.yaml").read_text())
    merged = _deep_merge(yaml.safe_load((chart / "values.yaml").read_text()),
                         with_set_files(values()))
    jsonschema.validate(merged, schema)


def test_each_trainee_server_gets_its_own_variant_key_and_never_the_salt(monkeypatch, tmp_path):
    from course.models.variants import KEY_VARIABLE
    from course.storage.variant_keys import course_salt, key_for

    salt = course_salt(tmp_path)  # made by the course account at set-up (install.sh)
    config = hub_config(monkeypatch, COURSE_DIR=str(tmp_path))
    environment = config.Spawner.environment.get_value({})  # what the hub's Spawner gets
    keys = {name: environment[KEY_VARIABLE](SimpleNamespace(user=SimpleNamespace(name=name)))
            for name in ("ana", "ben")}
    assert keys == {name: key_for(tmp_path, name) for name in ("ana", "ben")}
    assert keys["ana"] != keys["ben"]
    assert all(salt not in key for key in keys.values())
    assert not any(salt in str(value) for value in environment.values()
                   if not callable(value))


def test_on_kubernetes_each_server_gets_its_own_variant_key_and_never_the_salt(
        monkeypatch, tmp_path):
    from course.models.variants import KEY_VARIABLE
    from course.storage.variant_keys import course_salt, key_for

    assert hubconf.VARIANT_KEY_VARIABLE == KEY_VARIABLE
    salt = course_salt(tmp_path)  # the course folder's salt, which the grader marks with
    config = kubernetes_hub_config(monkeypatch, tmp_path / ".variant-salt")
    environments = {}
    for name, group in (("ana", "nbgrader-cosmetic-cryotherapy"),
                        ("ben", "nbgrader-cosmetic-cryotherapy"),
                        ("gia", "formgrade-cosmetic-cryotherapy")):
        spawner = _spawner(name, group)
        config.KubeSpawner.pre_spawn_hook(spawner)
        environments[name] = spawner.environment
    keys = {name: env[KEY_VARIABLE] for name, env in environments.items()}
    # The same key the grader computes from the submitter's id and the course's salt.
    assert keys == {name: key_for(tmp_path, name) for name in keys}
    assert len(set(keys.values())) == len(keys)
    assert not any(salt in str(value) for env in environments.values() for value in env.values())
    # The salt reaches the hub from a Secret mounted into the hub pod only, at the path the
    # hub reads by default; no user pod mounts that Secret or gets it in its environment.
    doc = values()
    secret_volumes = {volume["name"] for volume in doc["hub"]["extraVolumes"]
                      if volume.get("secret", {}).get("secretName") == "cryocourse-variant-salt"}
    mounts = [mount["mountPath"] for mount in doc["hub"]["extraVolumeMounts"]
              if mount["name"] in secret_volumes]
    snippet = "\n".join(doc["hub"]["extraConfig"].values())
    assert any(f'"{folder}/variant-salt"' in snippet for folder in mounts), mounts
    assert "cryocourse-variant-salt" not in yaml.safe_dump(doc["singleuser"])


def test_the_hub_pods_key_is_the_course_packages_key():
    from course.models.variants import trainee_key

    for salt, name in (("s" * 64, "ana"), ("0f" * 32, "ana-lopes-1a2b3c4d"), ("x", "Ø")):
        assert hubconf.variant_key(salt, name) == trainee_key(salt, name)


def test_a_missing_salt_stops_the_spawn_with_a_plain_message(tmp_path):
    settings = hubconf.HubSettings(variant_salt_file=tmp_path / "absent")
    with pytest.raises(RuntimeError, match="variant salt cannot be read"):
        hubconf.variant_key_environment(settings, "ana")
    assert hubconf.variant_key_environment(hubconf.HubSettings(), "ana") == {}
