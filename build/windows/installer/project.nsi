Unicode true

####
## Please note: Template replacements don't work in this file. They are provided with default defines like
## mentioned underneath.
## If the keyword is not defined, "wails_tools.nsh" will populate them with the values from ProjectInfo.
## If they are defined here, "wails_tools.nsh" will not touch them. This allows to use this project.nsi manually
## from outside of Wails for debugging and development of the installer.
##
## For development first make a wails nsis build to populate the "wails_tools.nsh":
## > wails build --target windows/amd64 --nsis
## Then you can call makensis on this file with specifying the path to your binary:
## For a AMD64 only installer:
## > makensis -DARG_WAILS_AMD64_BINARY=..\..\bin\app.exe
## For a ARM64 only installer:
## > makensis -DARG_WAILS_ARM64_BINARY=..\..\bin\app.exe
## For a installer with both architectures:
## > makensis -DARG_WAILS_AMD64_BINARY=..\..\bin\app-amd64.exe -DARG_WAILS_ARM64_BINARY=..\..\bin\app-arm64.exe
####
## The following information is taken from the ProjectInfo file, but they can be overwritten here.
####
## !define INFO_PROJECTNAME    "MyProject" # Default "{{.Name}}"
## !define INFO_COMPANYNAME    "MyCompany" # Default "{{.Info.CompanyName}}"
## !define INFO_PRODUCTNAME    "MyProduct" # Default "{{.Info.ProductName}}"
## !define INFO_PRODUCTVERSION "1.0.0"     # Default "{{.Info.ProductVersion}}"
## !define INFO_COPYRIGHT      "Copyright" # Default "{{.Info.Copyright}}"
###
## !define PRODUCT_EXECUTABLE  "Application.exe"      # Default "${INFO_PROJECTNAME}.exe"
## !define UNINST_KEY_NAME     "UninstKeyInRegistry"  # Default "${INFO_COMPANYNAME}${INFO_PRODUCTNAME}"
####
## !define REQUEST_EXECUTION_LEVEL "admin"            # Default "admin"  see also https://nsis.sourceforge.io/Docs/Chapter4.html
####
## Peerline: `make package-windows` (scripts/package.sh nsis) runs makensis on
## this file directly, with every INFO_* defined on the command line and
## ARG_OUTFILE set; `wails build -nsis` still works too. See docs/packaging.md.
####
## Include the wails tools
####
!include "wails_tools.nsh"

# Shown as the version in the installer's properties; defaults to the numeric one.
!ifndef ARG_DISPLAY_VERSION
    !define ARG_DISPLAY_VERSION "${INFO_PRODUCTVERSION}"
!endif

# Windows Firewall profiles the inbound rules apply to. LAN calling is for
# home and office networks; on networks Windows calls Public (cafés, hotels)
# Peerline stays unreachable unless the user allows it.
!ifndef PEERLINE_FIREWALL_PROFILES
    !define PEERLINE_FIREWALL_PROFILES "private,domain"
!endif
!define PEERLINE_RULE_HUB "Peerline LAN hub (TCP 47400)"
!define PEERLINE_RULE_MDNS "Peerline LAN discovery (mDNS, UDP 5353)"

# The version information for this two must consist of 4 parts
VIProductVersion "${INFO_PRODUCTVERSION}.0"
VIFileVersion    "${INFO_PRODUCTVERSION}.0"

VIAddVersionKey "CompanyName"     "${INFO_COMPANYNAME}"
VIAddVersionKey "FileDescription" "${INFO_PRODUCTNAME} Installer"
VIAddVersionKey "ProductVersion"  "${ARG_DISPLAY_VERSION}"
VIAddVersionKey "FileVersion"     "${INFO_PRODUCTVERSION}"
VIAddVersionKey "LegalCopyright"  "${INFO_COPYRIGHT}"
VIAddVersionKey "ProductName"     "${INFO_PRODUCTNAME}"

# Enable HiDPI support. https://nsis.sourceforge.io/Reference/ManifestDPIAware
ManifestDPIAware true

!include "MUI.nsh"

!define MUI_ICON "..\icon.ico"
!define MUI_UNICON "..\icon.ico"
# !define MUI_WELCOMEFINISHPAGE_BITMAP "resources\leftimage.bmp" #Include this to add a bitmap on the left side of the Welcome Page. Must be a size of 164x314
!define MUI_FINISHPAGE_NOAUTOCLOSE # Wait on the INSTFILES page so the user can take a look into the details of the installation steps
!define MUI_ABORTWARNING # This will warn the user if they exit from the installer.

!insertmacro MUI_PAGE_WELCOME # Welcome to the installer page.
# !insertmacro MUI_PAGE_LICENSE "resources\eula.txt" # Adds a EULA page to the installer
!insertmacro MUI_PAGE_DIRECTORY # In which folder install page.
!insertmacro MUI_PAGE_INSTFILES # Installing page.
!insertmacro MUI_PAGE_FINISH # Finished installation page.

!insertmacro MUI_UNPAGE_INSTFILES # Uinstalling page

!insertmacro MUI_LANGUAGE "English" # Set the Language of the installer

## The following two statements can be used to sign the installer and the uninstaller. The path to the binaries are provided in %1
#!uninstfinalize 'signtool --file "%1"'
#!finalize 'signtool --file "%1"'

Name "${INFO_PRODUCTNAME}"
!ifdef ARG_OUTFILE
    OutFile "${ARG_OUTFILE}"
!else
    OutFile "..\..\bin\${INFO_PROJECTNAME}-${ARCH}-installer.exe" # Name of the installer's file.
!endif
!ifdef WAILS_INSTALL_SCOPE
  !if "${WAILS_INSTALL_SCOPE}" == "user"
    InstallDir "$LOCALAPPDATA\Programs\${INFO_PRODUCTNAME}"
  !else
    InstallDir "$PROGRAMFILES64\${INFO_PRODUCTNAME}"
  !endif
!else
  InstallDir "$PROGRAMFILES64\${INFO_PRODUCTNAME}"
!endif # Default installing folder ($PROGRAMFILES is Program Files folder).
ShowInstDetails show # This will always show the installation details.

# Inbound Windows Firewall rules for the LAN hub (TCP 47400) and mDNS
# discovery (UDP 5353), scoped to peerline.exe. Without them Windows asks on
# first start and, if the user is not an administrator or clicks past it,
# nobody on the LAN can find or call them. A rule of the same name is
# deleted first, so reinstalling does not add duplicates. netsh needs
# administrator rights: a per-user install (REQUEST_EXECUTION_LEVEL user)
# skips the rules and leaves it to Windows' prompt. netsh is called by its
# full path: the installer runs elevated, and a bare "netsh" would be looked
# up in the current directory (often Downloads) before System32.
!macro peerline.firewallRule NAME PROTOCOL PORT
    nsExec::ExecToLog '"$SYSDIR\netsh.exe" advfirewall firewall delete rule name="${NAME}"'
    Pop $0
    nsExec::ExecToLog '"$SYSDIR\netsh.exe" advfirewall firewall add rule name="${NAME}" dir=in action=allow protocol=${PROTOCOL} localport=${PORT} profile=${PEERLINE_FIREWALL_PROFILES} program="$INSTDIR\${PRODUCT_EXECUTABLE}" enable=yes description="Lets people on your network find and call you in Peerline."'
    Pop $0
    ${If} $0 != 0
        DetailPrint "Could not add the firewall rule $\"${NAME}$\" (netsh: $0); Windows will ask when Peerline first starts."
    ${EndIf}
!macroend

!macro peerline.firewallAdd
    !if "${REQUEST_EXECUTION_LEVEL}" == "admin"
        DetailPrint "Adding Windows Firewall rules for LAN calls"
        !insertmacro peerline.firewallRule "${PEERLINE_RULE_HUB}" TCP 47400
        !insertmacro peerline.firewallRule "${PEERLINE_RULE_MDNS}" UDP 5353
    !endif
!macroend

!macro peerline.firewallRemove
    !if "${REQUEST_EXECUTION_LEVEL}" == "admin"
        nsExec::ExecToLog '"$SYSDIR\netsh.exe" advfirewall firewall delete rule name="${PEERLINE_RULE_HUB}"'
        Pop $0
        nsExec::ExecToLog '"$SYSDIR\netsh.exe" advfirewall firewall delete rule name="${PEERLINE_RULE_MDNS}"'
        Pop $0
    !endif
!macroend

Function .onInit
   !insertmacro wails.checkArchitecture
FunctionEnd

Section
    !insertmacro wails.setShellContext

    !insertmacro wails.webview2runtime

    SetOutPath $INSTDIR

    !insertmacro wails.files

    !insertmacro peerline.firewallAdd

    CreateShortcut "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"
    CreateShortCut "$DESKTOP\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"

    !insertmacro wails.associateFiles
    !insertmacro wails.associateCustomProtocols

    !insertmacro wails.writeUninstaller
SectionEnd

Section "uninstall"
    !insertmacro wails.setShellContext

    !insertmacro peerline.firewallRemove

    RMDir /r "$AppData\${PRODUCT_EXECUTABLE}" # Remove the WebView2 DataPath

    RMDir /r $INSTDIR

    Delete "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk"
    Delete "$DESKTOP\${INFO_PRODUCTNAME}.lnk"

    !insertmacro wails.unassociateFiles
    !insertmacro wails.unassociateCustomProtocols

    # What Peerline registers for its toasts at every start (app/notify,
    # toastreg.go): the AppUserModelID and the toast activator's COM class.
    # HKCU is the account that runs the uninstaller (the one that ran
    # Peerline, unless another administrator's credentials elevated it).
    DeleteRegKey HKCU "Software\Classes\AppUserModelId\Peerline.Desktop"
    DeleteRegKey HKCU "Software\Classes\CLSID\{73267B7C-C45E-4032-8700-2F7648BE439B}"

    !insertmacro wails.deleteUninstaller
SectionEnd
