from lamfactory.envs.base import Environment, make, register

__all__ = ["Environment", "make", "register"]
