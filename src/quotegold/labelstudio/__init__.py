"""The Label Studio boundary: the only package that imports label_studio_sdk.

`client` is the API quotegold uses, `calls` turns every request's errors into quotegold
errors and retries transient ones, `webforms` signs users up and logs them in through the
web forms where the API cannot, and `records` holds the typed records they hand out.
"""

from quotegold.labelstudio.client import LabelStudioClient
from quotegold.labelstudio.records import Annotator, Project, ProjectSync, StoredPrediction, User

__all__ = ["Annotator", "LabelStudioClient", "Project", "ProjectSync", "StoredPrediction", "User"]
