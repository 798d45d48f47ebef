"""leogen: conservation genetics and wildlife health for small, endangered carnivore populations."""

from leogen.errors import InputError
from leogen.model.genotypes import Genotypes, Replicates

__all__ = ["Genotypes", "Replicates", "InputError"]
__version__ = "0.1.0"
