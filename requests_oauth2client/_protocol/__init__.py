"""Pure protocol logic: values parsed from Authorization Server answers and the checks that build them."""
