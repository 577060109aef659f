"""A DRF Response for large bodies that lets go of its data as soon as it is rendered."""
from rest_framework.response import Response


class ReleasingResponse(Response):
    """A Response that drops its data once rendered to bytes (the JSON renderer reads it once; nothing after).

    A DRF view and its response refer to one another (view.response, response.renderer_context["view"]), so
    whatever a response holds is freed only by the cyclic garbage collector. The thousands of objects of a large
    body (the diagnosis screen) then piled up for it and made its collections long pauses, which showed in the
    p99; dropped here, they are freed at once."""

    def render(self):
        rendered = super().render()
        self.data = None
        return rendered
