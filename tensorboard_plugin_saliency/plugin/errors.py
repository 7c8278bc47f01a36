"""Errors that become HTTP answers: TensorBoard's `PublicError` family, plus 422.

A data function raises one of these; `routes.answer` turns it into a JSON response
with the error's `http_code`, in one place. The command line prints its message.
"""

from tensorboard import errors

InvalidArgumentError = errors.InvalidArgumentError
"""A missing, malformed or unknown parameter (400)."""

NotFoundError = errors.NotFoundError
"""An unknown run, tag, step, sample, mask, blob key or file (404)."""


class UnreadableError(errors.PublicError):
    """The data exists but this plugin cannot read it (422)."""

    http_code = 422


class NewerFormatError(UnreadableError):
    """The data was written in a newer format: upgrade tensorboard-plugin-saliency (422)."""


# v1 names.
QueryError = errors.PublicError
BadRequest = InvalidArgumentError
NotFound = NotFoundError
Unreadable = UnreadableError
