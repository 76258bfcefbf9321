"""LibreOffice Writer environment (registered as "writer")."""

from lamfactory.envs.base import register
from lamfactory.envs.writer.env import WriterEnv

register("writer", WriterEnv)

__all__ = ["WriterEnv"]
